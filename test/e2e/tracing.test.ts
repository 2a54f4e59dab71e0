import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller, type INestMicroservice } from '@nestjs/common';
import { Ctx, EventPattern, MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { lastValueFrom } from 'rxjs';
import {
  KubeMQConnection,
  KubeMQRecordBuilder,
  QueuePattern,
  RequestType,
  makeRequest,
  type ClientKubeMQ,
  type KubeMQContext,
  type ServerKubeMQ,
} from '../../lib';
import { startTestBroker, uniqueChannel, type TestBrokerHandle } from '../support/broker';
import {
  connectedClient,
  errorOf,
  firstReply,
  moduleWith,
  startMicroservice,
} from '../support/nest';
import { waitFor } from '../support/queues';

// What an app does before it starts (the OpenTelemetry SDK's setup, with an in-memory exporter).
const exporter = new InMemorySpanExporter();
trace.setGlobalTracerProvider(
  new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
const tracer = trace.getTracer('tracing-test');

const ch = {
  query: uniqueChannel('traced-query'),
  command: uniqueChannel('traced-command'),
  failing: uniqueChannel('traced-failing'),
  event: uniqueChannel('traced-event'),
  store: uniqueChannel('traced-store'),
  queue: uniqueChannel('traced-queue'),
};

/** What a handler saw of the active span, and the trace tags it was sent. */
interface Seen {
  channel: string;
  id: string;
  traceId: string | undefined;
  spanId: string | undefined;
  traceparent: string | undefined;
}
const seen: Seen[] = [];

function record(ctx: unknown): void {
  const context = ctx as KubeMQContext;
  const active = trace.getActiveSpan()?.spanContext();
  seen.push({
    channel: context.getChannel(),
    id: context.getRequestId(),
    traceId: active?.traceId,
    spanId: active?.spanId,
    traceparent: context.getTags().traceparent,
  });
}

const seenOn = (channel: string) => seen.filter((entry) => entry.channel === channel);

@Controller()
class TracedController {
  @MessagePattern(ch.query, { type: 'query' })
  query(@Payload() data: unknown, @Ctx() ctx: unknown) {
    record(ctx);
    return data;
  }

  @MessagePattern(ch.command)
  command(@Ctx() ctx: unknown): void {
    record(ctx);
  }

  @MessagePattern(ch.failing, { type: 'query' })
  failing(@Ctx() ctx: unknown): never {
    record(ctx);
    throw new RpcException('card declined');
  }

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

const spans = (): ReadableSpan[] => exporter.getFinishedSpans();
const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;

/** The finished spans named `name` (waits for `count` of them: servers end theirs asynchronously). */
async function spansNamed(name: string, count = 1): Promise<ReadableSpan[]> {
  await waitFor(
    `${count} span(s) "${name}"`,
    () => spans().filter((s) => s.name === name).length >= count,
  );
  return spans().filter((s) => s.name === name);
}

/** Runs `send` inside a span of the test's own, as an app's incoming HTTP request would be. */
async function withinRoot<T>(send: () => Promise<T>): Promise<{ root: ReadableSpan; result: T }> {
  const root = tracer.startSpan('root');
  const result = await context.with(trace.setSpan(context.active(), root), send);
  root.end();
  const finished = spans().find((s) => s.spanContext().spanId === root.spanContext().spanId);
  assert.ok(finished);
  return { root: finished, result };
}

/**
 * The client span is the root's child, the server span the client span's
 * child, all in one trace; the handler ran inside the server span.
 */
function assertOneTrace(
  root: ReadableSpan,
  client: ReadableSpan,
  server: ReadableSpan,
  handled: Seen,
): void {
  const traceId = root.spanContext().traceId;
  assert.equal(client.spanContext().traceId, traceId);
  assert.equal(parentOf(client), root.spanContext().spanId);
  assert.equal(server.spanContext().traceId, traceId);
  assert.equal(parentOf(server), client.spanContext().spanId);
  assert.equal(handled.traceId, traceId, 'trace.getActiveSpan() in the handler is in the trace');
  assert.equal(handled.spanId, server.spanContext().spanId, 'and is the server span');
  assert.match(
    handled.traceparent ?? '',
    new RegExp(`^00-${traceId}-${client.spanContext().spanId}-01$`),
  );
}

function assertMessaging(span: ReadableSpan, channel: string, operation: 'send' | 'process'): void {
  assert.equal(span.attributes['messaging.system'], 'kubemq');
  assert.equal(span.attributes['messaging.destination.name'], channel);
  assert.equal(span.attributes['messaging.operation.type'], operation);
  assert.equal(span.attributes['messaging.operation.name'], operation);
  assert.equal(typeof span.attributes['messaging.client.id'], 'string');
}

describe('OpenTelemetry tracing across KubeMQ', () => {
  let broker: TestBrokerHandle;
  let app: INestMicroservice;
  let server: ServerKubeMQ;
  let client: ClientKubeMQ;
  const hooks: Array<{ phase: 'start' | 'end'; channel: string; spanRecording: boolean }> = [];
  const activeAtStart = new Map<unknown, { isRecording(): boolean }>();

  before(async () => {
    broker = await startTestBroker();
    ({ app, server } = await startMicroservice(moduleWith({ controllers: [TracedController] }), {
      address: broker.address,
    }));
    // Nest's processing hooks (what tracing instrumentation of Nest itself uses) see our span.
    const hookable = server as unknown as {
      setOnProcessingStartHook?(
        hook: (t: unknown, ctx: unknown, done: () => unknown) => unknown,
      ): void;
      setOnProcessingEndHook?(hook: (t: unknown, ctx: unknown) => void): void;
    };
    hookable.setOnProcessingStartHook?.((_transport, ctx, done) => {
      const span = trace.getActiveSpan();
      if (span) activeAtStart.set(ctx, span);
      hooks.push({
        phase: 'start',
        channel: (ctx as KubeMQContext).getChannel(),
        spanRecording: span?.isRecording() ?? false,
      });
      return done();
    });
    hookable.setOnProcessingEndHook?.((_transport, ctx) => {
      hooks.push({
        phase: 'end',
        channel: (ctx as KubeMQContext).getChannel(),
        spanRecording: activeAtStart.get(ctx)?.isRecording() ?? false,
      });
    });
    client = await connectedClient({ address: broker.address });
  });

  after(async () => {
    client?.close();
    await app?.close();
    await broker?.stop();
  });

  it('a query: CLIENT span → SERVER span → handler, one trace, response back', async () => {
    const { root, result } = await withinRoot(() =>
      firstReply(() => client.query(ch.query, { n: 1 })),
    );
    assert.deepEqual(result, { n: 1 });
    const handled = seenOn(ch.query).at(-1)!;
    const [clientSpan] = (await spansNamed(`send ${ch.query}`)).slice(-1);
    const serverSpan = (await spansNamed(`process ${ch.query}`)).find(
      (s) => s.spanContext().spanId === handled.spanId,
    );
    assert.ok(serverSpan, 'the handler’s span was exported');
    assertOneTrace(root, clientSpan, serverSpan, handled);
    assert.equal(clientSpan.kind, SpanKind.CLIENT);
    assert.equal(serverSpan.kind, SpanKind.SERVER);
    assertMessaging(clientSpan, ch.query, 'send');
    assertMessaging(serverSpan, ch.query, 'process');
    for (const span of [clientSpan, serverSpan]) {
      assert.equal(span.attributes['rpc.system'], 'kubemq');
      assert.equal(span.attributes['rpc.method'], ch.query);
      assert.equal(span.attributes['messaging.kubemq.message.type'], 'query');
      assert.equal(span.attributes['messaging.message.id'], handled.id);
      assert.equal(span.status.code, SpanStatusCode.UNSET);
    }
    assert.equal(typeof clientSpan.attributes['server.address'], 'string');
    assert.equal(typeof serverSpan.attributes['messaging.message.body.size'], 'number');
    // The client span covers the whole round trip, the server span the handler.
    assert.ok(clientSpan.startTime <= serverSpan.startTime);
  });

  it('Nest’s processing hooks run inside the server span, which ends after the end hook', async () => {
    await firstReply(() => client.query(ch.query, { n: 2 }));
    await spansNamed(`process ${ch.query}`, 2);
    const mine = hooks.filter((h) => h.channel === ch.query);
    assert.ok(mine.length >= 2, 'this Nest has processing hooks');
    assert.deepEqual(
      mine.slice(-2).map((h) => [h.phase, h.spanRecording]),
      [
        ['start', true],
        ['end', true],
      ],
    );
  });

  it('a command: CLIENT → SERVER in one trace', async () => {
    const { root } = await withinRoot(() => firstReply(() => client.command(ch.command, {})));
    const handled = seenOn(ch.command).at(-1)!;
    const [clientSpan] = (await spansNamed(`send ${ch.command}`)).slice(-1);
    const [serverSpan] = (await spansNamed(`process ${ch.command}`)).slice(-1);
    assertOneTrace(root, clientSpan, serverSpan, handled);
    assert.equal(clientSpan.kind, SpanKind.CLIENT);
    assert.equal(serverSpan.kind, SpanKind.SERVER);
  });

  it('a failing handler sets the error status on both spans', async () => {
    await withinRoot(async () => errorOf(client.query(ch.failing, {})));
    const [clientSpan] = await spansNamed(`send ${ch.failing}`);
    const [serverSpan] = await spansNamed(`process ${ch.failing}`);
    assert.deepEqual(clientSpan.status, { code: SpanStatusCode.ERROR, message: 'card declined' });
    assert.deepEqual(serverSpan.status, { code: SpanStatusCode.ERROR, message: 'card declined' });
    assert.equal(serverSpan.attributes['error.type'], '_OTHER');
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

  it('a foreign sender’s traceparent tag (another SDK, another language) is continued', async () => {
    const foreign = new KubeMQConnection({ address: broker.address, clientId: 'foreign-traced' });
    await foreign.connect();
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parentId = '00f067aa0ba902b7';
    try {
      const response = await foreign.sendRequest(
        makeRequest({
          RequestTypeData: RequestType.Query,
          ClientID: 'foreign-traced',
          Channel: ch.query,
          Body: Buffer.from('{"n":9}'),
          Timeout: 5000,
          Tags: { traceparent: `00-${traceId}-${parentId}-01` },
        }),
      );
      assert.equal(response.Executed, true, response.Error);
    } finally {
      foreign.close();
    }
    const handled = seenOn(ch.query).at(-1)!;
    assert.equal(handled.traceId, traceId);
    const serverSpan = (await spansNamed(`process ${ch.query}`)).find(
      (s) => s.spanContext().spanId === handled.spanId,
    );
    assert.equal(serverSpan?.parentSpanContext?.spanId, parentId);
  });

  it('a request sent outside any span starts a new trace that the handler joins', async () => {
    await firstReply(() => client.query(ch.query, { n: 3 }));
    const handled = seenOn(ch.query).at(-1)!;
    const serverSpan = spans().find((s) => s.spanContext().spanId === handled.spanId)!;
    const clientSpan = spans().find((s) => s.spanContext().spanId === parentOf(serverSpan))!;
    assert.equal(clientSpan.parentSpanContext, undefined);
    assert.equal(clientSpan.spanContext().traceId, handled.traceId);
  });
});
