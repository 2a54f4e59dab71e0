// The MessagePack serializer pair and the handler log the custom-serializer suites share
// (serializers-msgpack, serializers-failures).
import { decode, encode } from '@msgpack/msgpack';
import {
  BODY_FORMAT_TAG,
  type KubeMQContext,
  type KubeMQDeserializeOptions,
  type KubeMQDeserializer,
  type KubeMQSerializer,
} from '../../lib';

/** MessagePack both ways; refuses `{ refuse: true }` so a test can make it throw. */
export class MsgPackSerializer implements KubeMQSerializer {
  serialize(value: unknown): Uint8Array {
    if (typeof value === 'object' && value !== null && 'refuse' in value) {
      throw new Error('refused by the test serializer');
    }
    return encode(value);
  }
}

export class MsgPackDeserializer implements KubeMQDeserializer {
  deserialize(
    body: Buffer,
    options?: KubeMQDeserializeOptions,
  ): { pattern: string; data: unknown } {
    return { pattern: options?.channel ?? '', data: decode(body) };
  }
}

export const msgpack = () => ({
  serializer: new MsgPackSerializer(),
  deserializer: new MsgPackDeserializer(),
});

/** A date JSON would turn into a string: MessagePack keeps it a Date. */
export const WHEN = new Date(Date.UTC(2026, 10, 30, 12, 0, 0));

interface Seen {
  channel: string;
  data: unknown;
  format: string | undefined;
}
const seen: Seen[] = [];

export function record(data: unknown, ctx: unknown): void {
  const context = ctx as KubeMQContext;
  seen.push({
    channel: context.getChannel(),
    data,
    format: context.getTags()[BODY_FORMAT_TAG],
  });
}

export const seenOn = (channel: string) => seen.filter((entry) => entry.channel === channel);

export const isDate = (value: unknown): boolean =>
  value instanceof Date && value.getTime() === WHEN.getTime();
