import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller, type INestMicroservice } from '@nestjs/common';
import { Ctx, MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  KubeMQConnection,
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
import {
  assertMessaging,
  assertOneTrace,
  parentOf,
  record,
  seenOn,
  spans,
  spansNamed,
  withinRoot,
} from '../support/tracing';

// Commands and queries: a CLIENT span on the sender, a SERVER span around the handler.

const ch = {
  query: uniqueChannel('traced-query'),
  command: uniqueChannel('traced-command'),
  failing: uniqueChannel('traced-failing'),
};

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
}

describe('OpenTelemetry tracing across KubeMQ: commands and queries', () => {
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
    // The client span covers the whole round trip, the server span the handler. Span times are
    // [seconds, nanoseconds] pairs, each span's from the clock anchored at its trace's local root:
    // the two anchors may disagree by a millisecond or so, hence the slack.
    const ns = ([seconds, nanos]: [number, number]): bigint =>
      BigInt(seconds) * 1_000_000_000n + BigInt(nanos);
    const slack = 5_000_000n;
    assert.ok(ns(clientSpan.startTime) <= ns(serverSpan.startTime) + slack);
    assert.ok(ns(clientSpan.endTime) + slack >= ns(serverSpan.endTime));
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
