import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeWireError, encodeWireError, ERROR_TAG } from '../../lib/errors/wire-error';

describe('errors across the wire', () => {
  const cross = (error: unknown) => {
    const { text, tags } = encodeWireError(error);
    return { text, decoded: decodeWireError({ Error: text, Tags: tags }) };
  };

  it("keeps Nest's { status, message } and puts the message in Error", () => {
    const { text, decoded } = cross({ status: 'error', message: 'user not found' });
    assert.equal(text, 'user not found');
    assert.deepEqual(decoded, { status: 'error', message: 'user not found' });
  });

  it('keeps an RpcException object unchanged, with a readable Error', () => {
    const payload = { code: 409, message: 'conflict', details: { id: 1 } };
    const { text, decoded } = cross(payload);
    assert.equal(text, 'conflict');
    assert.deepEqual(decoded, payload);
    const noMessage = cross({ code: 1 });
    assert.equal(noMessage.text, '{"code":1}');
  });

  it('turns a raw Error into "Internal server error" without leaking its text', () => {
    const { text, decoded } = cross(new Error('secret detail'));
    assert.equal(text, 'Internal server error');
    assert.deepEqual(decoded, { status: 'error', message: 'Internal server error' });
  });

  it('survives an object JSON cannot serialize', () => {
    const circular: Record<string, unknown> = { message: 'loop' };
    circular.self = circular;
    const { text, decoded } = cross(circular);
    assert.equal(text, 'loop');
    assert.deepEqual(decoded, { status: 'error', message: 'Internal server error' });
  });

  it("reads a foreign responder's Error as { status, message }", () => {
    assert.deepEqual(decodeWireError({ Error: 'insufficient funds', Tags: {} }), {
      status: 'error',
      message: 'insufficient funds',
    });
    assert.deepEqual(decodeWireError({ Error: '', Tags: {} }), {
      status: 'error',
      message: 'request was not executed',
    });
    assert.deepEqual(decodeWireError({ Error: 'x', Tags: { [ERROR_TAG]: '{broken' } }), {
      status: 'error',
      message: 'x',
    });
  });
});
