// The MessagePack serializer pair and the handler log the custom-serializer suites share
// (serializers-msgpack, serializers-failures).
import { type INestMicroservice, type Type } from '@nestjs/common';
import { decode, encode } from '@msgpack/msgpack';
import {
  BODY_FORMAT_TAG,
  type KubeMQContext,
  type KubeMQDeserializeOptions,
  type KubeMQDeserializer,
  type KubeMQSerializer,
  type ClientKubeMQ,
} from '../../lib';
import { startTestBroker, type TestBrokerHandle } from './broker';
import { connectedClient, moduleWith, startMicroservice } from './nest';

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

/** A test broker, a MessagePack server app, a MessagePack client and a plain (JSON) one. */
export interface MsgPackSetup {
  broker: TestBrokerHandle;
  app: INestMicroservice;
  client: ClientKubeMQ;
  plain: ClientKubeMQ;
}

/** Starts a test broker, an app of `controller` with the MessagePack pair, and both clients. */
export async function startMsgPackApp(controller: Type): Promise<MsgPackSetup> {
  const broker = await startTestBroker();
  const { app } = await startMicroservice(moduleWith({ controllers: [controller] }), {
    address: broker.address,
    ...msgpack(),
  });
  const client = await connectedClient({ address: broker.address, ...msgpack() });
  const plain = await connectedClient({ address: broker.address });
  return { broker, app, client, plain };
}

/** Closes what {@link startMsgPackApp} started (whatever of it did start). */
export async function stopMsgPackApp(setup: Partial<MsgPackSetup>): Promise<void> {
  setup.client?.close();
  setup.plain?.close();
  await setup.app?.close();
  await setup.broker?.stop();
}
