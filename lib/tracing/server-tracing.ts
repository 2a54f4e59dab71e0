import { type KubeMQContext } from '../ctx-host/kubemq.context';
import { ATTR, isRpc, KUBEMQ_SYSTEM } from './messaging-attributes';
import {
  recordFailure,
  type OpenTelemetry,
  type OtelAttributes,
  type OtelContext,
  type OtelSpan,
} from './opentelemetry';

/**
 * The server's spans: one per message, a child of the trace context its
 * sender put in the tags (a new trace without one), SERVER for commands
 * and queries, CONSUMER for events, stored events and queue messages. The
 * handler (and Nest's processing hooks) run inside it.
 */
export class ServerTracing {
  constructor(
    private readonly otel: OpenTelemetry,
    private readonly clientId: string,
  ) {}

  /** Starts the span of one message; undefined if the tracer fails (the message goes untraced). */
  start(ctx: KubeMQContext, group: string | undefined, bodySize: number): IncomingSpan | undefined {
    const { api, tracer } = this.otel;
    try {
      const message = ctx.getMessage();
      const kind = message.type;
      const attributes: OtelAttributes = {
        [ATTR.system]: KUBEMQ_SYSTEM,
        [ATTR.destination]: message.channel,
        [ATTR.operationType]: 'process',
        [ATTR.operationName]: 'process',
        [ATTR.clientId]: this.clientId,
        [ATTR.kubemqType]: kind,
        [ATTR.bodySize]: bodySize,
      };
      if (message.id) attributes[ATTR.messageId] = message.id;
      if (message.pattern !== message.channel)
        attributes[ATTR.destinationTemplate] = message.pattern;
      if (group) attributes[ATTR.consumerGroup] = group;
      if (message.sequence !== '0' && message.sequence !== '') {
        attributes[ATTR.kubemqSequence] = Number(message.sequence);
      }
      if (isRpc(kind)) {
        attributes[ATTR.rpcSystem] = KUBEMQ_SYSTEM;
        attributes[ATTR.rpcMethod] = message.channel;
      }
      // From the root: whatever context the subscription's callback runs in is not the sender's.
      const parent = api.propagation.extract(api.ROOT_CONTEXT, message.tags ?? {});
      const span = tracer.startSpan(
        `process ${message.pattern}`,
        { kind: isRpc(kind) ? api.SpanKind.SERVER : api.SpanKind.CONSUMER, attributes },
        parent,
      );
      return new IncomingSpan(this.otel, span, api.trace.setSpan(parent, span));
    } catch {
      return undefined;
    }
  }
}

/** One server span; the handler runs within it; ends once, with the outcome. */
export class IncomingSpan {
  private ended = false;

  constructor(
    private readonly otel: OpenTelemetry,
    private readonly span: OtelSpan,
    private readonly context: OtelContext,
  ) {}

  /** Runs `fn` with this span active (so `trace.getActiveSpan()` in the handler is it). */
  within<T>(fn: () => T): T {
    return this.otel.api.context.with(this.context, fn);
  }

  /** Ends the span, failed with `error` when given. */
  end(error?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    if (error !== undefined) recordFailure(this.otel, this.span, error);
    try {
      this.span.end();
    } catch {
      // A tracer that throws must not fail the message.
    }
  }
}
