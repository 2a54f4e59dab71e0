import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller, type INestMicroservice } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import {
  ClientKubeMQ,
  KubeMQError,
  KubeMQRecordBuilder,
  type KubeMQContext,
  type KubeMQResult,
} from '../../lib';
import { startTestBroker, uniqueChannel, type TestBrokerHandle } from '../support/broker';
import { HandledLog, range } from '../support/events-store';
import { connectedClient, delay, errorOf, moduleWith, startMicroservice } from '../support/nest';
import { freePort } from '../support/ports';

const ch = {
  emitted: uniqueChannel('es-emit'),
  helper: uniqueChannel('es-helper'),
  many: uniqueChannel('es-many'),
  refused: uniqueChannel('es-refused'),
  plain: uniqueChannel('es-plain'),
};
const log = new HandledLog();
const ids: Record<string, string[]> = {};

function record(by: string, data: unknown, ctx: unknown) {
  log.record(by, data, ctx);
  const context = ctx as KubeMQContext;
  (ids[context.getChannel()] ??= []).push(context.getRequestId());
}

@Controller()
class StoreHandlers {
  @EventPattern(ch.emitted, { type: 'events-store', start: 'first' })
  emitted(@Payload() data: unknown, @Ctx() ctx: unknown) {
    record('store', data, ctx);
  }

  @EventPattern(ch.helper, { type: 'events-store', start: 'first' })
  helper(@Payload() data: unknown, @Ctx() ctx: unknown) {
    record('store', data, ctx);
  }

  @EventPattern(ch.many, { type: 'events-store', start: 'first' })
  many(@Payload() data: unknown, @Ctx() ctx: unknown) {
    record('store', data, ctx);
  }

  @EventPattern(ch.refused, { type: 'events-store', start: 'first' })
  refused(@Payload() data: unknown, @Ctx() ctx: unknown) {
    record('store', data, ctx);
  }

  @EventPattern(ch.plain, { type: 'events-store', start: 'first' })
  plainStore(@Payload() data: unknown, @Ctx() ctx: unknown) {
    record('store', data, ctx);
  }
}

@Controller()
class PlainHandlers {
  @EventPattern(ch.plain)
  plain(@Payload() data: unknown, @Ctx() ctx: unknown) {
    record('plain', data, ctx);
  }
}

describe('ClientKubeMQ and the events store', () => {
  let broker: TestBrokerHandle;
  let client: ClientKubeMQ;
  const apps: INestMicroservice[] = [];

  before(async () => {
    broker = await startTestBroker();
    for (const controller of [StoreHandlers, PlainHandlers]) {
      const { app } = await startMicroservice(moduleWith({ controllers: [controller] }), {
        address: broker.address,
      });
      apps.push(app);
    }
    client = await connectedClient({ address: broker.address });
  });

  after(async () => {
    client?.close();
    for (const app of apps) await app.close();
    await broker?.stop();
  });

  it("emit() of a record with type 'events-store' completes once KubeMQ answered Sent: true", async () => {
    const record = new KubeMQRecordBuilder({ order: 1 }).setType('events-store').build();
    const result = (await lastValueFrom(client.emit(ch.emitted, record))) as KubeMQResult;
    assert.equal(result.Sent, true);
    assert.ok(result.EventID);
    await log.waitFor(ch.emitted, 1);
    assert.deepEqual(log.of(ch.emitted)[0].data, { order: 1 });
    assert.deepEqual(ids[ch.emitted], [result.EventID]);
  });

  it('storeEvent() emits { eventId, channel } and keeps the body type (object, string, Buffer)', async () => {
    const stored = [];
    for (const data of [{ sku: 'a' }, 'plain text', Buffer.from([0, 1, 255])]) {
      stored.push(await lastValueFrom(client.storeEvent(ch.helper, data, { metadata: 'm' })));
    }
    assert.deepEqual(
      stored.map((s) => s.channel),
      [ch.helper, ch.helper, ch.helper],
    );
    await log.waitFor(ch.helper, 3);
    const seen = log.of(ch.helper).map((e) => e.data);
    assert.deepEqual(seen[0], { sku: 'a' });
    assert.equal(seen[1], 'plain text');
    assert.ok(Buffer.isBuffer(seen[2]) && (seen[2] as Buffer).equals(Buffer.from([0, 1, 255])));
    assert.deepEqual(
      ids[ch.helper],
      stored.map((s) => s.eventId),
    );
  });

  it('storeEvents() stores many over one stream, in order, and reports each EventID in order', async () => {
    const first = await lastValueFrom(
      client.storeEvents(
        ch.many,
        range(150).map((n) => ({ n })),
      ),
    );
    const second = await lastValueFrom(
      client.storeEvents(
        ch.many,
        range(151, 200).map((n) => ({ n })),
      ),
    );
    assert.equal(first.length, 150);
    assert.equal(second.length, 50);
    assert.equal(new Set([...first, ...second].map((s) => s.eventId)).size, 200);
    await log.waitFor(ch.many, 200);
    assert.deepEqual(
      log.of(ch.many).map((e) => (e.data as { n: number }).n),
      range(200),
    );
    assert.deepEqual(log.sequences(ch.many), range(200));
    assert.deepEqual(
      ids[ch.many],
      [...first, ...second].map((s) => s.eventId),
    );
  });

  it('refusals error the observable with KubeMQ’s text and the channel; nothing is stored', async () => {
    const wildcard = await errorOf(
      client.emit('orders.*', new KubeMQRecordBuilder({}).setType('events-store').build()),
    );
    assert.match(
      String((wildcard as Error).message),
      /"orders\.\*".*Error 107: invalid channel value, no wildcards are allowed/,
    );
    const emptyToken = await errorOf(client.storeEvent('orders..eu', { n: 1 }));
    assert.match((emptyToken as Error).message, /"orders\.\.eu".*empty token/);
    const empty = await errorOf(client.storeEvent(ch.refused, ''));
    assert.match(
      (empty as Error).message,
      new RegExp(`"${ch.refused}".*Error 110: invalid message, cannot be empty`),
    );
    const batch = await errorOf(client.storeEvents(ch.refused, [{ n: 1 }, '', { n: 3 }]));
    assert.match((batch as Error).message, new RegExp(`"${ch.refused}".*Error 110`));
    await lastValueFrom(client.storeEvent(ch.refused, 'after'));
    await log.waitFor(ch.refused, 1);
    assert.deepEqual(
      log.of(ch.refused).map((e) => e.data),
      ['after'],
      'the batch with a bad item sent nothing',
    );
  });

  it('an unreachable broker errors emit(), storeEvent() and storeEvents() naming the channel', async () => {
    const address = `127.0.0.1:${await freePort()}`;
    const offline = new ClientKubeMQ({ address, connectTimeout: 300 });
    try {
      const channel = uniqueChannel('es-offline');
      const record = new KubeMQRecordBuilder({ n: 1 }).setType('events-store').build();
      for (const failure of [
        await errorOf(offline.emit(channel, record)),
        await errorOf(offline.storeEvent(channel, { n: 1 })),
        await errorOf(offline.storeEvents(channel, [{ n: 1 }])),
      ]) {
        assert.ok(failure instanceof KubeMQError, String(failure));
        assert.match(
          failure.message,
          new RegExp(`"${channel}".*Cannot connect to KubeMQ at ${address}`),
        );
      }
    } finally {
      offline.close();
    }
  });

  it('a plain emit() stays a plain event: not stored, not seen by events-store handlers', async () => {
    // The plain handler must be live before the plain event: retry until it sees one.
    for (let i = 0; log.of(ch.plain, 'plain').length === 0; i += 1) {
      await lastValueFrom(client.emit(ch.plain, { plain: i }));
      await delay(100);
      assert.ok(i < 50, 'the plain subscription never became live');
    }
    await lastValueFrom(client.storeEvent(ch.plain, { stored: true }));
    await log.waitFor(ch.plain, log.of(ch.plain, 'plain').length + 1);
    assert.deepEqual(
      log.of(ch.plain, 'store').map((e) => e.data),
      [{ stored: true }],
    );
    assert.ok(
      log.of(ch.plain, 'plain').every((e) => (e.data as { plain?: number }).plain !== undefined),
    );
  });

  it('late subscribers of storeEvent() still get the outcome', async () => {
    const pending = client.storeEvent(ch.helper, { late: true });
    await delay(300);
    const stored = await lastValueFrom(pending);
    assert.equal(stored.channel, ch.helper);
  });
});
