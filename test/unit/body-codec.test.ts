import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeBody, encodeBody } from '../../lib/serializers/body-codec';

describe('body codec', () => {
  const roundTrip = (value: unknown) => {
    const { body, format } = encodeBody(value);
    return decodeBody(body, format);
  };

  it('round-trips JSON values, strings, Buffers, Uint8Arrays and undefined exactly', () => {
    assert.deepEqual(roundTrip({ a: 1, b: [true, null, 'x'] }), { a: 1, b: [true, null, 'x'] });
    assert.equal(roundTrip(42), 42);
    assert.equal(roundTrip(false), false);
    assert.equal(roundTrip(null), null);
    assert.equal(roundTrip('{"not":"parsed"}'), '{"not":"parsed"}');
    assert.equal(roundTrip(''), '');
    const buffer = roundTrip(Buffer.from([1, 2, 255]));
    assert.ok(Buffer.isBuffer(buffer));
    assert.deepEqual([...(buffer as Buffer)], [1, 2, 255]);
    const fromView = roundTrip(new Uint8Array([9, 8, 7]).subarray(1));
    assert.deepEqual([...(fromView as Buffer)], [8, 7]);
    assert.equal(roundTrip(undefined), undefined);
  });

  it('reads a foreign body (no tag): JSON if it parses, else UTF-8 text, else a Buffer', () => {
    assert.deepEqual(decodeBody(Buffer.from('{"id":1}')), { id: 1 });
    assert.equal(decodeBody(Buffer.from('some command')), 'some command');
    assert.equal(decodeBody(Buffer.from('héllo wörld')), 'héllo wörld');
    const binary = decodeBody(Buffer.from([0xff, 0xfe, 0x00]));
    assert.ok(Buffer.isBuffer(binary));
    assert.equal(decodeBody(new Uint8Array(0)), undefined);
    assert.equal(decodeBody(undefined), undefined);
  });

  it('never throws on a body whose tag lies', () => {
    assert.equal(decodeBody(Buffer.from('not json'), 'json'), 'not json');
    assert.equal(decodeBody(Buffer.from('x'), 'unknown-format'), 'x');
  });

  it('sends values JSON cannot represent as an empty body', () => {
    assert.deepEqual(encodeBody(() => 1).format, 'none');
  });
});
