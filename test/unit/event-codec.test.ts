import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  deserializeEvent,
  deserializeEventReceive,
  deserializeResult,
  serializeEvent,
  serializeEventReceive,
  serializeResult,
} from '../../lib/kubemq/event-codec';
import {
  type KubeMQEvent,
  type KubeMQEventReceive,
  type KubeMQResult,
} from '../../lib/kubemq/messages';
import { kubemqServiceDefinition } from '../../lib/kubemq/proto';

/**
 * The hand-written Event/Result/EventReceive codec must be interchangeable
 * with proto-loader's (the reference), both ways, as the request codec is.
 */
const service = kubemqServiceDefinition();
const reference = {
  event: {
    encode: (m: object) => service.SendEvent.requestSerialize(m),
    decode: (b: Buffer) => service.SendEvent.requestDeserialize(b) as KubeMQEvent,
  },
  result: {
    encode: (m: object) => service.SendEvent.responseSerialize(m),
    decode: (b: Buffer) => service.SendEvent.responseDeserialize(b) as KubeMQResult,
  },
  received: {
    encode: (m: object) => service.SubscribeToEvents.responseSerialize(m),
    decode: (b: Buffer) => service.SubscribeToEvents.responseDeserialize(b) as KubeMQEventReceive,
  },
};

function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 4_294_967_296;
  };
}

const SAMPLES = ['', 'a', 'orders.created', 'héllo wörld', '日本語', '🙂', 'x'.repeat(200)];
const LONGS = [
  '0',
  '1',
  '127',
  '128',
  '1700000000123456789',
  '9007199254740993',
  '18446744073709551615',
];

function generators(random: () => number) {
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)];
  const tags = () => {
    const out: Record<string, string> = {};
    for (let i = Math.floor(random() * 4); i > 0; i -= 1) out[pick(SAMPLES) || 'k'] = pick(SAMPLES);
    return out;
  };
  return {
    event: (): KubeMQEvent => ({
      EventID: pick(SAMPLES),
      ClientID: pick(SAMPLES),
      Channel: pick(SAMPLES),
      Metadata: pick(SAMPLES),
      Body: Buffer.from(pick(SAMPLES).repeat(Math.floor(random() * 3))),
      Store: random() < 0.5,
      Tags: tags(),
    }),
    result: (): KubeMQResult => ({
      EventID: pick(SAMPLES),
      Sent: random() < 0.5,
      Error: pick(SAMPLES),
    }),
    received: (): KubeMQEventReceive => ({
      EventID: pick(SAMPLES),
      Channel: pick(SAMPLES),
      Metadata: pick(SAMPLES),
      Body: Buffer.from(pick(SAMPLES)),
      Timestamp: pick(LONGS.slice(0, 6)),
      Sequence: pick(LONGS),
      Tags: tags(),
    }),
  };
}

const CODECS = {
  event: { encode: serializeEvent, decode: deserializeEvent },
  result: { encode: serializeResult, decode: deserializeResult },
  received: { encode: serializeEventReceive, decode: deserializeEventReceive },
} as const;

describe('hot Event/Result/EventReceive codec', () => {
  for (const kind of ['event', 'result', 'received'] as const) {
    it(`${kind}: decodes proto-loader bytes as proto-loader does, and encodes bytes it reads the same`, () => {
      const random = seeded(kind.length);
      const make = generators(random)[kind] as () => object;
      const ours = CODECS[kind] as { encode: (m: object) => Buffer; decode: (b: Buffer) => object };
      for (let i = 0; i < 400; i += 1) {
        const message = make();
        const bytes = reference[kind].encode(message);
        assert.deepStrictEqual(ours.decode(bytes), reference[kind].decode(bytes));
        assert.deepStrictEqual(
          reference[kind].decode(ours.encode(message)),
          reference[kind].decode(bytes),
        );
      }
    });
  }

  it('skips unknown fields and reads empty messages as proto-loader does', () => {
    const unknown = Buffer.from([0xa0, 0x01, 0x96, 0x01, 0xb2, 0x01, 0x03, 0x61, 0x62, 0x63]);
    const bytes = Buffer.concat([
      unknown,
      reference.received.encode(generators(seeded(9)).received()),
      unknown,
    ]);
    assert.deepStrictEqual(deserializeEventReceive(bytes), reference.received.decode(bytes));
    for (const kind of ['event', 'result', 'received'] as const) {
      const ours = CODECS[kind] as { decode: (b: Buffer) => object };
      assert.deepStrictEqual(ours.decode(Buffer.alloc(0)), reference[kind].decode(Buffer.alloc(0)));
    }
  });

  it('a uint64 sequence above 2^63 stays unsigned', () => {
    const back = deserializeEventReceive(
      serializeEventReceive({
        ...generators(seeded(1)).received(),
        Sequence: '18446744073709551615',
      }),
    );
    assert.equal(back.Sequence, '18446744073709551615');
  });
});
