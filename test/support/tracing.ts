// The OpenTelemetry setup and span helpers the tracing suites share (tracing-rpc,
// tracing-events-queues). Importing this module installs the global tracer provider,
// context manager and propagator, as an app's SDK setup would before it starts.
import assert from 'node:assert/strict';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import type { KubeMQContext } from '../../lib';
import { waitFor } from './queues';

// What an app does before it starts (the OpenTelemetry SDK's setup, with an in-memory exporter).
const exporter = new InMemorySpanExporter();
trace.setGlobalTracerProvider(
  new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
const tracer = trace.getTracer('tracing-test');

/** What a handler saw of the active span, and the trace tags it was sent. */
export interface Seen {
  channel: string;
  id: string;
  traceId: string | undefined;
  spanId: string | undefined;
  traceparent: string | undefined;
}
const seen: Seen[] = [];

export function record(ctx: unknown): void {
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

export const seenOn = (channel: string) => seen.filter((entry) => entry.channel === channel);

export const spans = (): ReadableSpan[] => exporter.getFinishedSpans();
export const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;

/** The finished spans named `name` (waits for `count` of them: servers end theirs asynchronously). */
export async function spansNamed(name: string, count = 1): Promise<ReadableSpan[]> {
  await waitFor(
    `${count} span(s) "${name}"`,
    () => spans().filter((s) => s.name === name).length >= count,
  );
  return spans().filter((s) => s.name === name);
}

/** Runs `send` inside a span of the test's own, as an app's incoming HTTP request would be. */
export async function withinRoot<T>(
  send: () => Promise<T>,
): Promise<{ root: ReadableSpan; result: T }> {
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
export function assertOneTrace(
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

export function assertMessaging(
  span: ReadableSpan,
  channel: string,
  operation: 'send' | 'process',
): void {
  assert.equal(span.attributes['messaging.system'], 'kubemq');
  assert.equal(span.attributes['messaging.destination.name'], channel);
  assert.equal(span.attributes['messaging.operation.type'], operation);
  assert.equal(span.attributes['messaging.operation.name'], operation);
  assert.equal(typeof span.attributes['messaging.client.id'], 'string');
}
