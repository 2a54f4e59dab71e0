import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decode, encode } from '@msgpack/msgpack';
import { BODY_FORMAT_TAG, decodeBody, encodeBody } from '../../lib/serializers/body-codec';
import {
  type KubeMQDeserializeOptions,
  type KubeMQSerializationOptions,
  type KubeMQSerializeOptions,
} from '../../lib/serializers/kubemq-serializer';
import {
  PayloadSerialization,
  PreEncodedBody,
  type IncomingBody,
} from '../../lib/serializers/payload-serialization';

const msgpack: KubeMQSerializationOptions = {
  serializer: { serialize: (value: unknown) => encode(value) },
  deserializer: {
    deserialize: (body: Buffer, options?: KubeMQDeserializeOptions) => ({
      pattern: options?.channel,
      data: decode(body),
    }),
  },
};

const out: KubeMQSerializeOptions = {
  pattern: 'orders',
  channel: 'orders',
  kind: 'query',
  metadata: '',
  tags: {},
};
const from: IncomingBody = {
  channel: 'orders',
  pattern: 'orders',
  kind: 'query',
  id: 'r-1',
  metadata: '',
};

function serialization(options: Parameters<typeof PayloadSerialization.from>[1]) {
  const made = PayloadSerialization.from('ClientKubeMQ', options);
  assert.ok(made);
  return made;
}

async function bodyOf(value: unknown, options: KubeMQSerializationOptions = msgpack) {
  const encoded = await serialization(options).serialize(value, out);
  assert.ok(encoded instanceof PreEncodedBody);
  return encoded.encoded;
}

describe('custom serializers: the mapping to KubeMQ bodies', () => {
  it('is absent without a serializer or deserializer (the default path pays nothing)', () => {
    assert.equal(PayloadSerialization.from('ServerKubeMQ', {}), undefined);
    assert.equal(PayloadSerialization.from('ServerKubeMQ', undefined), undefined);
    assert.equal(
      PayloadSerialization.from('ServerKubeMQ', { serializer: undefined, deserializer: undefined }),
      undefined,
    );
  });

  it('gives serialize() the payload and { pattern, channel, kind, metadata, tags }', async () => {
    const seen: unknown[] = [];
    const spy = {
      serialize: (value: unknown, options?: KubeMQSerializeOptions) => {
        seen.push(value, options);
        return 'x';
      },
    };
    const options = { ...out, metadata: 'm', tags: { tenant: 'a' } };
    await serialization({ serializer: spy }).serialize({ id: 1 }, options);
    assert.deepEqual(seen, [{ id: 1 }, options]);
  });

  it('sends bytes and strings as they are, marked "serialized"', async () => {
    const bytes = await bodyOf({ at: new Date(0) });
    assert.equal(bytes.format, 'serialized');
    assert.deepEqual(decode(bytes.body), { at: new Date(0) });
    const view = await bodyOf('ignored', {
      ...msgpack,
      serializer: { serialize: () => new Uint8Array([1, 2, 3]).subarray(1) },
    });
    assert.deepEqual([...view.body], [2, 3]);
    const text = await bodyOf(1, { ...msgpack, serializer: { serialize: () => 'héllo' } });
    assert.deepEqual(text, { body: Buffer.from('héllo'), format: 'serialized' });
    const async = await bodyOf(1, {
      ...msgpack,
      serializer: { serialize: async () => Buffer.from([7]) },
    });
    assert.deepEqual(async, { body: Buffer.from([7]), format: 'serialized' });
  });

  it('writes any other returned value with the default codec (identity-style serializers)', async () => {
    const identity = { ...msgpack, serializer: { serialize: (value: unknown) => value } };
    assert.deepEqual(await bodyOf({ a: 1 }, identity), encodeBody({ a: 1 }));
    const transform = { ...msgpack, serializer: { serialize: () => ({ plain: true }) } };
    assert.deepEqual(await bodyOf(new Map(), transform), encodeBody({ plain: true }));
  });

  it('never calls the serializer for undefined (an empty body)', async () => {
    let called = false;
    const made = serialization({
      serializer: {
        serialize: () => {
          called = true;
          return 'x';
        },
      },
    });
    assert.equal(await made.serialize(undefined, out), undefined);
    assert.equal(called, false);
  });

  it('fails with an error naming the message and its channel when the serializer throws', async () => {
    const made = serialization({
      serializer: {
        serialize: () => {
          throw new Error('no codec for Symbol');
        },
      },
    });
    await assert.rejects(made.serialize({}, out), {
      name: 'KubeMQError',
      message: 'Cannot send the query to "orders": the serializer failed: no codec for Symbol',
    });
    await assert.rejects(made.serialize({}, { ...out, kind: 'response' }), {
      message: /^Cannot send the response to the query on "orders": the serializer failed/,
    });
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const identity = serialization({ serializer: { serialize: () => circular } });
    await assert.rejects(identity.serialize({}, out), {
      message:
        /^Cannot send the query to "orders": the serializer returned a value that is neither bytes nor a string/,
    });
  });

  it('reads a "serialized" body with the deserializer, given the body and where it came from', async () => {
    const seen: unknown[] = [];
    const made = serialization({
      deserializer: {
        deserialize: (body: Buffer, options?: KubeMQDeserializeOptions) => {
          seen.push(Buffer.isBuffer(body), options);
          return { pattern: 'orders', data: decode(body) };
        },
      },
    });
    const tags = { [BODY_FORMAT_TAG]: 'serialized', tenant: 'a' };
    assert.deepEqual(await made.deserialize(encode({ n: 1 }), tags, from), { n: 1 });
    assert.deepEqual(seen, [true, { ...from, tags, serialized: true }]);
  });

  it('takes the payload from `data`, else `response`; `err` fails a response', async () => {
    const tags = { [BODY_FORMAT_TAG]: 'serialized' };
    const returning = (packet: unknown) =>
      serialization({ deserializer: { deserialize: () => packet } });
    assert.equal(
      await returning({ data: 1, response: 2 }).deserialize(Buffer.from('x'), tags, from),
      1,
    );
    assert.equal(
      await returning({ id: 'r', response: 2 }).deserialize(Buffer.from('x'), tags, from),
      2,
    );
    assert.deepEqual(
      await returning({ id: 'r', response: 3 }).deserializeResponse(Buffer.from('x'), tags, from),
      { ok: true, value: 3 },
    );
    assert.deepEqual(
      await returning({ id: 'r', err: { status: 'error', message: 'no' } }).deserializeResponse(
        Buffer.from('x'),
        tags,
        from,
      ),
      { ok: false, error: { status: 'error', message: 'no' } },
    );
    assert.deepEqual(
      await returning(Promise.resolve({ data: [1] })).deserialize(Buffer.from('x'), tags, from),
      [1],
    );
  });

  it('refuses a deserializer that returns no packet, naming the message', async () => {
    const tags = { [BODY_FORMAT_TAG]: 'serialized' };
    for (const [returned, got] of [
      [{ n: 1 }, 'an object'],
      [42, 'number'],
      [null, 'null'],
    ] as const) {
      const made = serialization({ deserializer: { deserialize: () => returned } });
      await assert.rejects(made.deserialize(Buffer.from('x'), tags, from), {
        message: `Cannot deserialize the query r-1 on "orders": the deserializer returned ${got} without "data" or "response"; it must return a Nest packet such as { pattern, data } or { id, response }`,
      });
    }
  });

  it('fails a "serialized" body the deserializer cannot read, naming it', async () => {
    const made = serialization(msgpack);
    await assert.rejects(
      made.deserialize(Buffer.from([0xc1]), { [BODY_FORMAT_TAG]: 'serialized' }, from),
      {
        name: 'KubeMQError',
        message: /^Cannot deserialize the query r-1 on "orders": the deserializer failed: /,
      },
    );
  });

  it('leaves bodies our default codec marked to the codec, whatever the deserializer', async () => {
    let called = false;
    const made = serialization({
      deserializer: {
        deserialize: () => {
          called = true;
          return { data: 'wrong' };
        },
      },
    });
    for (const value of [{ a: 1 }, 'text', Buffer.from([1, 2]), undefined]) {
      const { body, format } = encodeBody(value);
      assert.deepEqual(
        await made.deserialize(body, { [BODY_FORMAT_TAG]: format }, from),
        decodeBody(body, format),
      );
    }
    assert.equal(called, false);
  });

  it('tries the deserializer on a foreign (unmarked) body and falls back to the codec when it throws', async () => {
    const made = serialization(msgpack);
    // A foreign MessagePack body (another language's client): read by the deserializer.
    assert.deepEqual(await made.deserialize(encode({ n: 2 }), {}, from), { n: 2 });
    // JSON and plain text from the CLI or REST: MessagePack cannot read them, the codec can.
    assert.deepEqual(await made.deserialize(Buffer.from('{"n":3}'), {}, from), { n: 3 });
    assert.equal(await made.deserialize(Buffer.from('plain text'), undefined, from), 'plain text');
  });

  it('hands a "serialized" body to a receiver without deserializer as a Buffer, never as text or JSON', () => {
    const body = Buffer.from('{"looks":"like json"}');
    const value = decodeBody(body, 'serialized');
    assert.ok(Buffer.isBuffer(value));
    assert.deepEqual(value, body);
  });

  it('refuses options of the wrong shape, naming the option', () => {
    class MySerializer {
      serialize(value: unknown): unknown {
        return value;
      }
    }
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [
        { serializer: MySerializer },
        /^ServerKubeMQ option "serializer" must be an object with a serialize\(value, options\) method \(Nest's Serializer\), got a class or function \(pass an instance/,
      ],
      [{ serializer: {} }, /option "serializer" .* got an object without a serialize\(\) method$/],
      [{ serializer: 'msgpack' }, /option "serializer" .* got string "msgpack"$/],
      [
        { deserializer: { serialize: () => 1 } },
        /option "deserializer" must be an object with a deserialize\(value, options\) method \(Nest's Deserializer\)/,
      ],
    ];
    for (const [options, message] of cases) {
      assert.throws(() => PayloadSerialization.from('ServerKubeMQ', options), {
        name: 'KubeMQError',
        message,
      });
    }
    assert.ok(PayloadSerialization.from('ServerKubeMQ', { serializer: new MySerializer() }));
  });
});
