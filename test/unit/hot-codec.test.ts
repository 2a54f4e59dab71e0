import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { frameEvent, serializeEvent } from '../../lib/kubemq/event-codec';
import {
  deserializeEmpty,
  deserializeRequest,
  deserializeResponse,
  frameRequest,
  frameResponse,
  serializeRequest,
  serializeResponse,
} from '../../lib/kubemq/hot-codec';
import { type Frame } from '../../lib/kubemq/grpc-frame';
import { LARGE_BYTES_FIELD } from '../../lib/kubemq/protobuf-wire';
import {
  makeEvent,
  makeRequest,
  makeResponse,
  type KubeMQRequest,
  type KubeMQResponse,
} from '../../lib/kubemq/messages';
import { kubemqServiceDefinition } from '../../lib/kubemq/proto';

/**
 * The hand-written Request/Response codec must be interchangeable with
 * proto-loader's (the reference): same decoded objects from the same bytes,
 * and bytes proto-loader decodes to the same objects.
 */
const service = kubemqServiceDefinition();
const protoRequest = {
  encode: (m: object) => service.SendRequest.requestSerialize(m),
  decode: (b: Buffer) => service.SendRequest.requestDeserialize(b) as KubeMQRequest,
};
const protoResponse = {
  encode: (m: object) => service.SendResponse.requestSerialize(m),
  decode: (b: Buffer) => service.SendResponse.requestDeserialize(b) as KubeMQResponse,
};

function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 4_294_967_296;
  };
}

const SAMPLES = [
  '',
  'a',
  'orders.created',
  'héllo wörld',
  '日本語',
  '🙂 emoji',
  'x'.repeat(200),
  'ü'.repeat(70),
];

function randomRequest(random: () => number): KubeMQRequest {
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)];
  const tags: Record<string, string> = {};
  for (let i = Math.floor(random() * 4); i > 0; i -= 1) tags[pick(SAMPLES) || 'k'] = pick(SAMPLES);
  return makeRequest({
    RequestID: pick(SAMPLES),
    RequestTypeData: pick([0, 1, 2, 7, -1]),
    ClientID: pick(SAMPLES),
    Channel: pick(SAMPLES),
    Metadata: pick(SAMPLES),
    Body: Buffer.from(pick(SAMPLES).repeat(Math.floor(random() * 3))),
    ReplyChannel: pick(SAMPLES),
    Timeout: pick([0, 1, 127, 128, 10_000, 2_147_483_647, -1, -2_147_483_648]),
    CacheKey: pick(SAMPLES),
    CacheTTL: pick([0, 5, -3]),
    Span: Buffer.from(pick(['', 'span'])),
    Tags: tags,
  });
}

function randomResponse(random: () => number): KubeMQResponse {
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)];
  const tags: Record<string, string> = {};
  for (let i = Math.floor(random() * 4); i > 0; i -= 1) tags[pick(SAMPLES) || 'k'] = pick(SAMPLES);
  return makeResponse({
    ClientID: pick(SAMPLES),
    RequestID: pick(SAMPLES),
    ReplyChannel: pick(SAMPLES),
    Metadata: pick(SAMPLES),
    Body: Buffer.from(pick(SAMPLES)),
    CacheHit: random() < 0.5,
    Timestamp: pick([
      '0',
      '1',
      '1700000000',
      '1700000000123',
      '1700000000123456789',
      '9007199254740993',
      '9223372036854775807',
      '-1',
      '-9223372036854775808',
    ]),
    Executed: random() < 0.5,
    Error: pick(SAMPLES),
    Span: Buffer.from(pick(['', 'span'])),
    Tags: tags,
  });
}

/** Appends fields the codec does not know (numbers 20–23, every wire type). */
function withUnknownFields(bytes: Buffer): Buffer {
  const unknown = Buffer.from([
    0xa0,
    0x01,
    0x96,
    0x01, // field 20 varint 150
    0xa9,
    0x01,
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8, // field 21 fixed64
    0xb2,
    0x01,
    0x03,
    0x61,
    0x62,
    0x63, // field 22 length-delimited "abc"
    0xbd,
    0x01,
    1,
    2,
    3,
    4, // field 23 fixed32
  ]);
  return Buffer.concat([unknown, bytes, unknown]);
}

describe('hot Request/Response codec', () => {
  it('decodes proto-loader bytes to exactly what proto-loader decodes', () => {
    const random = seeded(1);
    for (let i = 0; i < 500; i += 1) {
      const request = randomRequest(random);
      const bytes = protoRequest.encode(request);
      assert.deepStrictEqual(deserializeRequest(bytes), protoRequest.decode(bytes));
      const response = randomResponse(random);
      const responseBytes = protoResponse.encode(response);
      assert.deepStrictEqual(
        deserializeResponse(responseBytes),
        protoResponse.decode(responseBytes),
      );
    }
  });

  it('encodes bytes that proto-loader decodes to the same message as its own encoding', () => {
    const random = seeded(2);
    for (let i = 0; i < 500; i += 1) {
      const request = randomRequest(random);
      assert.deepStrictEqual(
        protoRequest.decode(serializeRequest(request)),
        protoRequest.decode(protoRequest.encode(request)),
      );
      const response = randomResponse(random);
      assert.deepStrictEqual(
        protoResponse.decode(serializeResponse(response)),
        protoResponse.decode(protoResponse.encode(response)),
      );
    }
  });

  it('round-trips through itself, int64 timestamps included', () => {
    const random = seeded(3);
    for (let i = 0; i < 200; i += 1) {
      const response = randomResponse(random);
      const back = deserializeResponse(serializeResponse(response));
      assert.equal(back.Timestamp, BigInt.asIntN(64, BigInt(response.Timestamp)).toString());
      assert.deepStrictEqual(back.Tags, response.Tags);
      const request = randomRequest(random);
      assert.deepStrictEqual(
        deserializeRequest(serializeRequest(request)),
        protoRequest.decode(serializeRequest(request)),
      );
    }
  });

  it('skips unknown fields of every wire type, as proto-loader does', () => {
    const request = randomRequest(seeded(4));
    const bytes = withUnknownFields(protoRequest.encode(request));
    assert.deepStrictEqual(deserializeRequest(bytes), protoRequest.decode(bytes));
    const response = randomResponse(seeded(5));
    const responseBytes = withUnknownFields(protoResponse.encode(response));
    assert.deepStrictEqual(deserializeResponse(responseBytes), protoResponse.decode(responseBytes));
    assert.deepStrictEqual(deserializeEmpty(withUnknownFields(Buffer.alloc(0))), {});
  });

  it('accepts the value forms proto-loader accepts: numeric timestamps, enum names, missing fields', () => {
    const loose = {
      Channel: 'c',
      RequestTypeData: 'Query',
      Timeout: '500',
      Body: undefined,
    } as unknown;
    assert.deepStrictEqual(
      deserializeRequest(serializeRequest(loose as KubeMQRequest)),
      protoRequest.decode(protoRequest.encode(loose as object)),
    );
    const numeric = { RequestID: 'r', Timestamp: 1_700_000_000_123, Executed: true } as unknown;
    assert.deepStrictEqual(
      deserializeResponse(serializeResponse(numeric as KubeMQResponse)),
      protoResponse.decode(protoResponse.encode(numeric as object)),
    );
  });

  it('rejects truncated input instead of returning a partial message', () => {
    const bytes = serializeRequest(
      makeRequest({ Channel: 'orders', Body: Buffer.from('hello'), Tags: { a: 'b' } }),
    );
    for (let cut = 1; cut < bytes.length; cut += 1) {
      const truncated = bytes.subarray(0, cut);
      let protoThrew = false;
      try {
        protoRequest.decode(truncated);
      } catch {
        protoThrew = true;
      }
      if (protoThrew) assert.throws(() => deserializeRequest(truncated));
    }
  });
});

describe('gRPC frames written by the codec (what the direct calls send)', () => {
  const prefixed = (message: Buffer) => {
    const prefix = Buffer.alloc(5);
    prefix.writeUInt32BE(message.length, 1);
    return Buffer.concat([prefix, message]);
  };
  const whole = (frame: Frame) => (Buffer.isBuffer(frame) ? frame : Buffer.concat(frame));
  const cases = [
    {
      name: 'Request',
      build: (Body: Buffer) =>
        makeRequest({ RequestID: 'r1', Channel: 'orders', Body, Timeout: 1000, Tags: { k: 'v' } }),
      serialize: (m: never) => serializeRequest(m),
      frame: (m: never) => frameRequest(m),
    },
    {
      name: 'Response',
      build: (Body: Buffer) =>
        makeResponse({ RequestID: 'r1', Body, Executed: true, Timestamp: '17', Tags: { k: 'v' } }),
      serialize: (m: never) => serializeResponse(m),
      frame: (m: never) => frameResponse(m),
    },
    {
      name: 'Event',
      build: (Body: Buffer) => makeEvent({ EventID: 'e1', Channel: 'c', Body, Tags: { k: 'v' } }),
      serialize: (m: never) => serializeEvent(m),
      frame: (m: never) => frameEvent(m),
    },
  ];

  for (const c of cases) {
    it(`${c.name}: a small body is copied into one frame, the message's exact bytes`, () => {
      const message = c.build(Buffer.from('small body')) as never;
      const frame = c.frame(message);
      assert.ok(Buffer.isBuffer(frame));
      assert.deepEqual(frame, prefixed(c.serialize(message)));
    });

    it(`${c.name}: a body of ${LARGE_BYTES_FIELD} bytes or more is sent as it is, not copied`, () => {
      const body = Buffer.alloc(LARGE_BYTES_FIELD * 8, 9);
      const message = c.build(body) as never;
      const frame = c.frame(message);
      assert.ok(Array.isArray(frame), 'pieces');
      assert.ok(
        frame.some((piece) => piece === body),
        "the caller's Buffer itself is one of the pieces",
      );
      assert.deepEqual(whole(frame), prefixed(c.serialize(message)));
    });
  }
});

describe('tags the sender reuses (frozen objects)', () => {
  it('encode exactly as a fresh object would, every time', () => {
    const frozen = Object.freeze({ 'nestjs-kubemq.body': 'binary', k: 'v' });
    const fresh = { 'nestjs-kubemq.body': 'binary', k: 'v' };
    const expected = serializeRequest(makeRequest({ Channel: 'c', Tags: fresh }));
    for (let i = 0; i < 3; i += 1) {
      assert.deepEqual(serializeRequest(makeRequest({ Channel: 'c', Tags: frozen })), expected);
    }
  });

  it('values that are not strings are read each time', () => {
    let n = 0;
    const counter = { toString: () => String((n += 1)) };
    const frozen = Object.freeze({ count: counter as unknown as string });
    const first = deserializeRequest(serializeRequest(makeRequest({ Channel: 'c', Tags: frozen })));
    const second = deserializeRequest(
      serializeRequest(makeRequest({ Channel: 'c', Tags: frozen })),
    );
    assert.notEqual(first.Tags.count, second.Tags.count);
  });
});
