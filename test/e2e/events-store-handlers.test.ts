import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller, type INestMicroservice } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { lastValueFrom, map, timer } from 'rxjs';
import { KubeMQRecordBuilder, type ClientKubeMQ, type KubeMQContext } from '../../lib';
import { startTestBroker, uniqueChannel, type TestBrokerHandle } from '../support/broker';
import {
  CapturingLogger,
  HandledLog,
  range,
  startStoreApp,
  storeNumbered,
} from '../support/events-store';
import { connectedClient, delay, moduleWith } from '../support/nest';

// Events store handlers through Nest: the context they get, and how failing, Observable and
// concurrent handlers are run.

const ch = {
  context: uniqueChannel('es-context'),
  failing: uniqueChannel('es-failing'),
  observable: uniqueChannel('es-observable'),
  concurrent: uniqueChannel('es-concurrent'),
};

const log = new HandledLog();
const contexts: KubeMQContext[] = [];
const running = { now: 0, max: 0 };
const observableSpans: Array<{ n: number; start: number; end: number }> = [];

@Controller()
class Handlers {
  @EventPattern(ch.context, { type: 'events-store', start: 'first' })
  context(@Payload() data: unknown, @Ctx() ctx: unknown) {
    contexts.push(ctx as KubeMQContext);
    log.record('context', data, ctx);
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

const numbers = (channel: string) =>
  log
    .of(channel)
    .map((e) => (e.data as { n?: number }).n)
    .filter((n) => n !== undefined);

describe('events store through Nest: context and handlers', () => {
  let broker: TestBrokerHandle;
  let client: ClientKubeMQ;
  let app: INestMicroservice;
  const logger = new CapturingLogger();
  let contextEventId = '';

  before(async () => {
    broker = await startTestBroker();
    client = await connectedClient({ address: broker.address });
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
    await storeNumbered(client, ch.failing, 1, 4);
    await storeNumbered(client, ch.observable, 1, 4);
    await storeNumbered(client, ch.concurrent, 1, 12);
    ({ app } = await startStoreApp(
      moduleWith({ controllers: [Handlers] }),
      { address: broker.address },
      logger,
    ));
  });

  after(async () => {
    client?.close();
    await app?.close();
    await broker?.stop();
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
