// The REST face's JSON, piece by piece: Go's json.Decoder texts and offsets, Go's string
// escaping and json.Indent layout, and the wire shapes (omitempty, base64, int64 as numbers).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { makeRequest, makeResponse } from '../../lib/kubemq/messages';
import { GoJsonEndOfInput, GoJsonSyntaxError } from '../../lib/broker/rest/go-json-errors';
import { goJsonString, indentJson } from '../../lib/broker/rest/go-json-format';
import { readFirstJsonValue } from '../../lib/broker/rest/go-json-reader';
import { decodeStdBase64, WireBase64Error } from '../../lib/broker/rest/std-base64';
import { decodeWire, encodeWire, WireTypeError } from '../../lib/broker/rest/wire-json';
import { REQUEST_SCHEMA, RESPONSE_SCHEMA } from '../../lib/broker/rest/wire-schemas';

const read = (text: string) => readFirstJsonValue(Buffer.from(text));

function syntaxError(text: string): { message: string; offset: number } {
  try {
    read(text);
  } catch (error) {
    assert.ok(error instanceof GoJsonSyntaxError, String(error));
    return { message: error.message, offset: error.offset };
  }
  assert.fail(`${text} should not parse`);
}

describe("reading JSON as Go's json.Decoder", () => {
  it('reports syntax errors with Go texts and 1-based byte offsets', () => {
    assert.deepEqual(syntaxError('x'), {
      message: "invalid character 'x' looking for beginning of value",
      offset: 1,
    });
    assert.deepEqual(syntaxError('{"a" 1}'), {
      message: "invalid character '1' after object key",
      offset: 6,
    });
    assert.deepEqual(syntaxError('{"a":1 "b"}'), {
      message: "invalid character '\"' after object key:value pair",
      offset: 8,
    });
    assert.deepEqual(syntaxError('{1}'), {
      message: "invalid character '1' looking for beginning of object key string",
      offset: 2,
    });
    assert.deepEqual(syntaxError('[1 2]'), {
      message: "invalid character '2' after array element",
      offset: 4,
    });
    assert.equal(
      syntaxError('{"a":tru}').message,
      "invalid character '}' in literal true (expecting 'e')",
    );
    assert.equal(syntaxError('{"a":-}').message, "invalid character '}' in numeric literal");
    assert.equal(syntaxError('{"a":"\\q"}').message, "invalid character 'q' in string escape code");
    assert.equal(syntaxError('{"a":"\n"}').message, "invalid character '\\n' in string literal");
    assert.equal(
      syntaxError("{'a':1}").message,
      "invalid character '\\'' looking for beginning of object key string",
    );
  });

  it('empty input is EOF, a cut value is unexpected EOF, trailing data is ignored', () => {
    assert.throws(
      () => read('  \n'),
      (e: unknown) => e instanceof GoJsonEndOfInput && e.message === 'EOF',
    );
    assert.throws(
      () => read('{"a":'),
      (e: unknown) => e instanceof GoJsonEndOfInput && e.message === 'unexpected EOF',
    );
    assert.equal(read('{"a":1} trailing garbage').kind, 'object');
  });

  it('keeps numbers as their text (int64 nanoseconds stay exact) and decodes escapes', () => {
    const node = read('{"n": 1700000000000000123, "s": "a\\u00e9\\n\\"b\\""}');
    assert.equal(node.kind, 'object');
    if (node.kind !== 'object') return;
    assert.deepEqual(node.entries[0].value, {
      kind: 'number',
      start: 6,
      end: 25,
      text: '1700000000000000123',
    });
    assert.equal(node.entries[1].value.kind === 'string' && node.entries[1].value.value, 'aé\n"b"');
  });
});

describe("writing JSON as Go's encoder", () => {
  it('escapes <, >, & and U+2028/U+2029 like Go (HTML-safe)', () => {
    assert.equal(goJsonString('<a & b>'), '"\\u003ca \\u0026 b\\u003e"');
    assert.equal(goJsonString('line\u2028sep\ttab\u0001'), '"line\\u2028sep\\ttab\\u0001"');
    assert.equal(goJsonString('é 😀'), '"é 😀"');
  });

  it('indents like json.Indent with a tab, keeping {} and [] compact', () => {
    assert.equal(
      indentJson('{"a":1,"b":{},"c":[],"d":{"e":"x, {y}: z"}}'),
      '{\n\t"a": 1,\n\t"b": {},\n\t"c": [],\n\t"d": {\n\t\t"e": "x, {y}: z"\n\t}\n}',
    );
  });
});

describe('wire shapes of the REST face', () => {
  it('encodes PascalCase keys in proto order, omitempty, base64 bytes, int64 as numbers, sorted tags', () => {
    const json = encodeWire(
      RESPONSE_SCHEMA,
      makeResponse({
        ClientID: 'r',
        RequestID: 'id',
        Body: Buffer.from('hi'),
        Timestamp: '1700000000000000123',
        Executed: true,
        Tags: { b: '2', a: '1' },
      }),
    );
    assert.equal(
      json,
      '{"ClientID":"r","RequestID":"id","Body":"aGk=","Timestamp":1700000000000000123,"Executed":true,"Tags":{"a":"1","b":"2"}}',
    );
    assert.equal(encodeWire(RESPONSE_SCHEMA, makeResponse({})), '{}');
  });

  it('decodes case-insensitive keys, skips unknown keys and nulls', () => {
    const request = decodeWire(
      REQUEST_SCHEMA,
      read(
        '{"requesttypedata":2,"CLIENTID":"c","Channel":null,"Other":{"x":[1]},"body":"aGk=","Timeout":5}',
      ),
    );
    assert.deepEqual(
      { ...request, Body: Buffer.from(request.Body).toString() },
      { ...makeRequest({ RequestTypeData: 2, ClientID: 'c', Timeout: 5 }), Body: 'hi' },
    );
  });

  it("reports the first type error with Go's field, type and offset, after reading everything", () => {
    const text = '{"Timeout":1.5,"CacheTTL":"x"}';
    assert.throws(
      () => decodeWire(REQUEST_SCHEMA, read(text)),
      (error: unknown) =>
        error instanceof WireTypeError &&
        error.found === 'number 1.5' &&
        error.goType === 'int32' &&
        error.field === 'Timeout' &&
        error.offset === 14 &&
        error.message ===
          'json: cannot unmarshal number 1.5 into Go struct field Request.Timeout of type int32',
    );
    assert.throws(
      () => decodeWire(REQUEST_SCHEMA, read('[]')),
      (error: unknown) =>
        error instanceof WireTypeError &&
        error.message === 'json: cannot unmarshal array into Go value of type kubemq.Request',
    );
    assert.throws(
      () => decodeWire(RESPONSE_SCHEMA, read('{"Timestamp":9223372036854775808}')),
      (error: unknown) =>
        error instanceof WireTypeError && error.found === 'number 9223372036854775808',
    );
  });

  it("decodes base64 as Go's StdEncoding: padding required, CR/LF ignored", () => {
    assert.equal(Buffer.from(decodeStdBase64('aGVs\nbG8=')).toString(), 'hello');
    assert.throws(
      () => decodeStdBase64('aGk'),
      (e: unknown) => e instanceof WireBase64Error && e.index === 0,
    );
    assert.throws(
      () => decodeStdBase64('aG*='),
      (e: unknown) => e instanceof WireBase64Error && e.index === 2,
    );
    assert.throws(
      () => decodeStdBase64('aGk=aGk='),
      (e: unknown) => e instanceof WireBase64Error && e.index === 4,
    );
  });
});
