import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller, type INestMicroservice } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import {
  EventsStoreType,
  KubeMQConnection,
  makeSubscribe,
  SubscribeType,
  type ClientKubeMQ,
} from '../../lib';
import { startTestBroker, uniqueChannel, type TestBrokerHandle } from '../support/broker';
import {
  CapturingLogger,
  HandledLog,
  startStoreApp,
  storeNumbered,
  waitUntil,
} from '../support/events-store';
import { connectedClient, delay, moduleWith } from '../support/nest';

// Events store subscriptions through Nest: each start position starts where it says.

const ch = {
  newOnly: uniqueChannel('es-new'),
  first: uniqueChannel('es-first'),
  last: uniqueChannel('es-last'),
  sequence: uniqueChannel('es-seq'),
  time: uniqueChannel('es-time'),
  timeExact: uniqueChannel('es-time-exact'),
  delta: uniqueChannel('es-delta'),
};

const log = new HandledLog();
const starts: { time?: Date; timeExact?: Date } = {};

/** Defined once the start times are known: decorators read their extras when the class is defined. */
function startsController() {
  @Controller()
  class Starts {
    @EventPattern(ch.newOnly, { type: 'events-store' })
    newOnly(@Payload() data: unknown, @Ctx() ctx: unknown) {
      log.record('new', data, ctx);
    }

    @EventPattern(ch.first, { type: 'events-store', start: 'first' })
    first(@Payload() data: unknown, @Ctx() ctx: unknown) {
      log.record('first', data, ctx);
    }

    @EventPattern(ch.last, { type: 'events-store', start: 'last' })
    last(@Payload() data: unknown, @Ctx() ctx: unknown) {
      log.record('last', data, ctx);
    }

    @EventPattern(ch.sequence, { type: 'events-store', start: { sequence: 3 } })
    sequence(@Payload() data: unknown, @Ctx() ctx: unknown) {
      log.record('sequence', data, ctx);
    }

    @EventPattern(ch.time, { type: 'events-store', start: { time: starts.time! } })
    time(@Payload() data: unknown, @Ctx() ctx: unknown) {
      log.record('time', data, ctx);
    }

    @EventPattern(ch.timeExact, {
      type: 'events-store',
      start: { time: starts.timeExact! },
    })
    timeExact(@Payload() data: unknown, @Ctx() ctx: unknown) {
      log.record('timeExact', data, ctx);
    }

    @EventPattern(ch.delta, { type: 'events-store', start: { timeDelta: 2 } })
    delta(@Payload() data: unknown, @Ctx() ctx: unknown) {
      log.record('delta', data, ctx);
    }
  }
  return Starts;
}

/** The stored timestamp (Unix ns) of `sequence` on `channel`, read with a subscription of its own. */
async function storedTimestamp(
  address: string,
  channel: string,
  sequence: number,
): Promise<string> {
  const connection = new KubeMQConnection({ address, clientId: `es-test-${process.pid}` });
  await connection.connect();
  try {
    return await new Promise<string>((resolve, reject) => {
      const stream = connection.openServerStream<object, { Timestamp: string }>(
        'SubscribeToEvents',
        makeSubscribe({
          SubscribeTypeData: SubscribeType.EventsStore,
          ClientID: `es-test-ts-${Date.now()}-${sequence}`,
          Channel: channel,
          EventsStoreTypeData: EventsStoreType.StartAtSequence,
          EventsStoreTypeValue: String(sequence),
        }),
      );
      stream.on('data', (event: { Timestamp: string }) => {
        resolve(event.Timestamp);
        stream.cancel();
      });
      stream.on('error', () => undefined);
      stream.on('status', (status: { code: number; details: string }) =>
        status.code === 1 ? undefined : reject(new Error(status.details)),
      );
    });
  } finally {
    connection.close();
  }
}

/** Stores probes until the handler of `channel` sees one: its subscription is live from then on. */
async function untilLive(client: ClientKubeMQ, channel: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let probe = 0; ; probe += 1) {
    await lastValueFrom(client.storeEvent(channel, { probe }));
    const seen = () =>
      log.of(channel).some((e) => (e.data as { probe?: number }).probe !== undefined);
    for (let i = 0; i < 20 && !seen(); i += 1) await delay(10);
    if (seen()) return;
    if (Date.now() > deadline) throw new Error(`the subscription to ${channel} never became live`);
  }
}

const numbers = (channel: string) =>
  log
    .of(channel)
    .map((e) => (e.data as { n?: number }).n)
    .filter((n) => n !== undefined);

describe('events store through Nest: start positions', () => {
  let broker: TestBrokerHandle;
  let client: ClientKubeMQ;
  let app: INestMicroservice;
  const logger = new CapturingLogger();

  before(async () => {
    broker = await startTestBroker();
    client = await connectedClient({ address: broker.address });
    const deltaStart = Date.now();
    await storeNumbered(client, ch.delta, 1, 1);
    for (const channel of [ch.newOnly, ch.first, ch.last, ch.sequence]) {
      await storeNumbered(client, channel, 1, 5);
    }
    await storeNumbered(client, ch.time, 1, 3);
    await delay(30);
    starts.time = new Date();
    await delay(30);
    await storeNumbered(client, ch.time, 4, 2);
    await storeNumbered(client, ch.timeExact, 1, 5, 5);
    const nanos = await storedTimestamp(broker.address, ch.timeExact, 3);
    starts.timeExact = new Date(Number(BigInt(nanos) / 1_000_000n));
    await delay(Math.max(0, deltaStart + 3_000 - Date.now()));
    await storeNumbered(client, ch.delta, 2, 2);
    ({ app } = await startStoreApp(
      moduleWith({ controllers: [startsController()] }),
      { address: broker.address },
      logger,
    ));
  });

  after(async () => {
    client?.close();
    await app?.close();
    await broker?.stop();
  });

  it("'new' (the default) gets only what is stored after it subscribed", async () => {
    await untilLive(client, ch.newOnly);
    await storeNumbered(client, ch.newOnly, 6, 2);
    await waitUntil(
      () => numbers(ch.newOnly).length >= 2,
      10_000,
      () => 'events 6 and 7',
    );
    assert.deepEqual(numbers(ch.newOnly), [6, 7]);
  });

  it("'first', 'last', { sequence }, { time } and { timeDelta } start where they say, then go on live", async () => {
    const expected: Record<string, number[]> = {
      [ch.first]: [1, 2, 3, 4, 5, 6],
      [ch.last]: [5, 6],
      [ch.sequence]: [3, 4, 5, 6],
      [ch.time]: [4, 5, 6],
      [ch.delta]: [2, 3, 6],
    };
    for (const channel of Object.keys(expected)) await storeNumbered(client, channel, 6, 1);
    for (const [channel, numbersExpected] of Object.entries(expected)) {
      await log.waitFor(channel, numbersExpected.length);
      assert.deepEqual(numbers(channel), numbersExpected, channel);
    }
  });

  it('{ time: the stored time of an event } starts at that event (KubeMQ alone would skip it)', async () => {
    await log.waitFor(ch.timeExact, 3);
    assert.deepEqual(numbers(ch.timeExact), [3, 4, 5]);
  });
});
