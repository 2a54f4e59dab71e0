import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller, type INestMicroservice } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { lastValueFrom, map, timer } from 'rxjs';
import {
  EventsStoreType,
  KubeMQConnection,
  KubeMQRecordBuilder,
  makeSubscribe,
  SubscribeType,
  type ClientKubeMQ,
  type KubeMQContext,
} from '../../lib';
import { startTestBroker, uniqueChannel, type TestBrokerHandle } from '../support/broker';
import {
  CapturingLogger,
  HandledLog,
  range,
  startStoreApp,
  waitUntil,
} from '../support/events-store';
import { connectedClient, delay, moduleWith } from '../support/nest';

const ch = {
  context: uniqueChannel('es-context'),
  newOnly: uniqueChannel('es-new'),
  first: uniqueChannel('es-first'),
  last: uniqueChannel('es-last'),
  sequence: uniqueChannel('es-seq'),
  time: uniqueChannel('es-time'),
  timeExact: uniqueChannel('es-time-exact'),
  delta: uniqueChannel('es-delta'),
  failing: uniqueChannel('es-failing'),
  observable: uniqueChannel('es-observable'),
  concurrent: uniqueChannel('es-concurrent'),
};

const log = new HandledLog();
const contexts: KubeMQContext[] = [];
const starts: { time?: Date; timeExact?: Date } = {};
const running = { now: 0, max: 0 };
const observableSpans: Array<{ n: number; start: number; end: number }> = [];

/** Stores `n` events `{ n: from.. }` on `channel`, `gapMs` apart. */
async function storeNumbered(
  client: ClientKubeMQ,
  channel: string,
  from: number,
  count: number,
  gapMs = 0,
) {
  for (const n of range(from, from + count - 1)) {
    await lastValueFrom(client.storeEvent(channel, { n }));
    if (gapMs) await delay(gapMs);
  }
}

/** Defined once the start times are known: decorators read their extras when the class is defined. */
function startsController() {
  @Controller()
  class Starts {
    @EventPattern(ch.context, { type: 'events-store', start: 'first' })
    context(@Payload() data: unknown, @Ctx() ctx: unknown) {
      contexts.push(ctx as KubeMQContext);
      log.record('context', data, ctx);
    }

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

    @EventPattern(ch.failing, { type: 'events-store', start: 'first' })
    failing(@Payload() data: unknown, @Ctx() ctx: unknown) {
      log.record('failing', data, ctx);
      if ((data as { n: number }).n === 2) throw new Error('cannot handle order 2');
    }

    @EventPattern(ch.observable, { type: 'events-store', start: 'first' })
    observable(@Payload() data: unknown, @Ctx() ctx: unknown) {
      const start = Date.now();
      return timer(30).pipe(
        map(() => {
          observableSpans.push({ n: (data as { n: number }).n, start, end: Date.now() });
          log.record('observable', data, ctx);
        }),
      );
    }

    @EventPattern(ch.concurrent, { type: 'events-store', start: 'first', concurrency: 3 })
    async concurrent(@Payload() data: unknown, @Ctx() ctx: unknown) {
      running.now += 1;
      running.max = Math.max(running.max, running.now);
      await delay(60);
      running.now -= 1;
      log.record('concurrent', data, ctx);
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

describe('events store through Nest: start positions, context, handlers', () => {
  let broker: TestBrokerHandle;
  let client: ClientKubeMQ;
  let app: INestMicroservice;
  const logger = new CapturingLogger();
  let contextEventId = '';

  before(async () => {
    broker = await startTestBroker();
    client = await connectedClient({ address: broker.address });
    const deltaStart = Date.now();
    await storeNumbered(client, ch.delta, 1, 1);
    const result = await lastValueFrom(
      client.emit(
        ch.context,
        new KubeMQRecordBuilder({ n: 1 })
          .setType('events-store')
          .setMetadata('m1')
          .setTags({ tenant: 'acme' })
          .build(),
      ),
    );
    contextEventId = (result as { EventID: string }).EventID;
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
    await storeNumbered(client, ch.failing, 1, 4);
    await storeNumbered(client, ch.observable, 1, 4);
    await storeNumbered(client, ch.concurrent, 1, 12);
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

  it('the context carries the type, channel, event id, metadata, tags, sequence and stored time', async () => {
    await log.waitFor(ch.context, 1);
    const ctx = contexts[0];
    assert.equal(ctx.getType(), 'events-store');
    assert.equal(ctx.getChannel(), ch.context);
    assert.equal(ctx.getPattern(), ch.context);
    assert.equal(ctx.getRequestId(), contextEventId);
    assert.equal(ctx.getMetadata(), 'm1');
    assert.equal(ctx.getTags().tenant, 'acme');
    assert.equal(ctx.getSequence(), 1);
    const stored = ctx.getTimestamp();
    assert.ok(stored instanceof Date);
    assert.ok(Math.abs(Date.now() - stored.getTime()) < 120_000, `stored ${stored.toISOString()}`);
    assert.match(ctx.getTimestampNanos(), /^\d{19}$/);
    assert.equal(Number(BigInt(ctx.getTimestampNanos()) / 1_000_000n), stored.getTime());
  });

  it('a handler that throws is logged with the sequence, and the stream goes on', async () => {
    await log.waitFor(ch.failing, 4);
    assert.deepEqual(numbers(ch.failing), [1, 2, 3, 4]);
    // Nest's exception filter logs the error itself; we add which event it was.
    assert.equal(logger.matching(/cannot handle order 2/, 'error').length, 1);
    const lines = logger.matching(new RegExp(`"${ch.failing}" failed on sequence 2 \\(EventID`));
    assert.equal(lines.length, 1, JSON.stringify(logger.lines.slice(-5)));
  });

  it('an Observable handler is awaited: one event at a time, in sequence order', async () => {
    await log.waitFor(ch.observable, 4);
    assert.deepEqual(numbers(ch.observable), [1, 2, 3, 4]);
    for (let i = 1; i < observableSpans.length; i += 1) {
      assert.ok(
        observableSpans[i].start >= observableSpans[i - 1].end,
        `event ${observableSpans[i].n} started before ${observableSpans[i - 1].n} finished`,
      );
    }
  });

  it('concurrency: 3 runs three handlers at once, never four', async () => {
    await log.waitFor(ch.concurrent, 12);
    assert.deepEqual(
      numbers(ch.concurrent).sort((a, b) => a - b),
      range(12),
    );
    assert.equal(running.max, 3);
  });
});
