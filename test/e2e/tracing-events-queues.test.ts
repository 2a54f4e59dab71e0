import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller, type INestMicroservice } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { lastValueFrom } from 'rxjs';
import {
  KubeMQRecordBuilder,
  QueuePattern,
  type ClientKubeMQ,
  type KubeMQContext,
} from '../../lib';
import { startTestBroker, uniqueChannel, type TestBrokerHandle } from '../support/broker';
import { connectedClient, moduleWith, startMicroservice } from '../support/nest';
import { waitFor } from '../support/queues';
import { parentOf, record, seenOn, spans, spansNamed, withinRoot } from '../support/tracing';

// Events, the events store and queues: a PRODUCER span on the sender, a CONSUMER span around
// the handler.

const ch = {
  event: uniqueChannel('traced-event'),
  store: uniqueChannel('traced-store'),
  queue: uniqueChannel('traced-queue'),
};

@Controller()
class TracedController {
  @EventPattern(ch.event)
  event(@Payload() _data: unknown, @Ctx() ctx: unknown): void {
    record(ctx);
  }

  @EventPattern(ch.store, { type: 'events-store', start: 'first' })
  stored(@Payload() _data: unknown, @Ctx() ctx: unknown): void {
    record(ctx);
  }

  @QueuePattern(ch.queue)
  queued(@Payload() _data: unknown, @Ctx() ctx: KubeMQContext): void {
    record(ctx);
  }
}

describe('OpenTelemetry tracing across KubeMQ: events, events store and queues', () => {
  let broker: TestBrokerHandle;
  let app: INestMicroservice;
  let client: ClientKubeMQ;

  before(async () => {
    broker = await startTestBroker();
    ({ app } = await startMicroservice(moduleWith({ controllers: [TracedController] }), {
      address: broker.address,
    }));
    client = await connectedClient({ address: broker.address });
  });

  after(async () => {
    client?.close();
    await app?.close();
    await broker?.stop();
  });

  it('an event: PRODUCER → CONSUMER in one trace', async () => {
    // Plain events are not kept: the first ones can precede the subscription.
    let root: ReadableSpan | undefined;
    await waitFor('the event', () => {
      if (seenOn(ch.event).length > 0) return true;
      void withinRoot(() => lastValueFrom(client.emit(ch.event, { n: 1 }))).then(
        (r) => (root ??= r.root),
        () => undefined,
      );
      return false;
    });
    const handled = seenOn(ch.event)[0];
    const serverSpan = (await spansNamed(`process ${ch.event}`))[0];
    const clientSpan = spans().find(
      (s) => s.spanContext().spanId === parentOf(serverSpan) && s.name === `send ${ch.event}`,
    );
    assert.ok(clientSpan, 'the consumer span’s parent is a producer span');
    assert.equal(clientSpan.kind, SpanKind.PRODUCER);
    assert.equal(serverSpan.kind, SpanKind.CONSUMER);
    assert.equal(handled.spanId, serverSpan.spanContext().spanId);
    assert.equal(handled.traceId, clientSpan.spanContext().traceId);
    assert.equal(clientSpan.attributes['messaging.kubemq.message.type'], 'event');
    assert.equal(typeof clientSpan.attributes['messaging.message.id'], 'string');
  });

  it('the events store: storeEvent(), emit() of a record and storeEvents() are PRODUCER → CONSUMER', async () => {
    const one = await withinRoot(() => lastValueFrom(client.storeEvent(ch.store, { i: 1 })));
    const two = await withinRoot(() =>
      lastValueFrom(
        client.emit(ch.store, new KubeMQRecordBuilder({ i: 2 }).setType('events-store').build()),
      ),
    );
    const batch = await withinRoot(() =>
      lastValueFrom(client.storeEvents(ch.store, [{ i: 3 }, { i: 4 }])),
    );
    await waitFor('4 stored events', () => seenOn(ch.store).length >= 4);
    const consumers = await spansNamed(`process ${ch.store}`, 4);
    const producers = await spansNamed(`send ${ch.store}`, 3);
    assert.ok(producers.every((s) => s.kind === SpanKind.PRODUCER));
    assert.ok(consumers.every((s) => s.kind === SpanKind.CONSUMER));
    const byRoot = (root: ReadableSpan) =>
      producers.find((s) => parentOf(s) === root.spanContext().spanId)!;
    const producerOf = [byRoot(one.root), byRoot(two.root), byRoot(batch.root), byRoot(batch.root)];
    assert.equal(producerOf[2].attributes['messaging.batch.message_count'], 2);
    assert.equal(producerOf[0].attributes['messaging.message.id'], one.result.eventId);
    seenOn(ch.store).forEach((handled, index) => {
      const consumer = consumers.find((s) => s.spanContext().spanId === handled.spanId)!;
      assert.ok(consumer, `event ${index + 1} ran in a consumer span`);
      assert.equal(parentOf(consumer), producerOf[index].spanContext().spanId);
      assert.equal(consumer.attributes['messaging.kubemq.message.sequence'], index + 1);
    });
  });

  it('queues: sendToQueue(), emit() of a record and sendQueueBatch() are PRODUCER → CONSUMER', async () => {
    const sent = await withinRoot(() => lastValueFrom(client.sendToQueue(ch.queue, { i: 1 })));
    await withinRoot(() =>
      lastValueFrom(
        client.emit(ch.queue, new KubeMQRecordBuilder({ i: 2 }).setType('queue').build()),
      ),
    );
    await withinRoot(() => lastValueFrom(client.sendQueueBatch(ch.queue, [{ i: 3 }, { i: 4 }])));
    await waitFor('4 queue messages', () => seenOn(ch.queue).length >= 4);
    const consumers = await spansNamed(`process ${ch.queue}`, 4);
    const producers = await spansNamed(`send ${ch.queue}`, 3);
    assert.ok(consumers.every((s) => s.kind === SpanKind.CONSUMER));
    for (const handled of seenOn(ch.queue)) {
      const consumer = consumers.find((s) => s.spanContext().spanId === handled.spanId)!;
      const producer = producers.find((s) => s.spanContext().spanId === parentOf(consumer));
      assert.ok(producer, `queue message ${handled.id}: its consumer span’s parent is a send span`);
      assert.equal(producer.kind, SpanKind.PRODUCER);
      assert.equal(consumer.spanContext().traceId, producer.spanContext().traceId);
    }
    const first = producers.find(
      (s) => s.attributes['messaging.message.id'] === sent.result.messageId,
    );
    assert.ok(first, 'the send span carries the message id KubeMQ gave');
  });
});
