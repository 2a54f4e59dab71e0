import { type Tags } from '../kubemq/messages';
import {
  ATTR,
  isRpc,
  KUBEMQ_SYSTEM,
  serverAttributes,
  type TracedKind,
} from './messaging-attributes';
import {
  recordFailure,
  type OpenTelemetry,
  type OtelAttributes,
  type OtelSpan,
} from './opentelemetry';

/**
 * The client's spans: one per request (CLIENT) or publish (PRODUCER),
 * started in the caller's active context, whose trace context travels in
 * the message's tags (W3C `traceparent`/`tracestate` through the app's
 * registered propagator).
 */
export class ClientTracing {
  private readonly common: OtelAttributes;

  constructor(
    private readonly otel: OpenTelemetry,
    clientId: string,
    address: string,
  ) {
    this.common = {
      [ATTR.system]: KUBEMQ_SYSTEM,
      [ATTR.operationType]: 'send',
      [ATTR.operationName]: 'send',
      [ATTR.clientId]: clientId,
      ...serverAttributes(address),
    };
  }

  /**
   * Starts the span of one message (or one batch of `batchSize`) to
   * `channel`; undefined if the tracer fails (the message goes untraced).
   */
  start(kind: TracedKind, channel: string, batchSize?: number): OutgoingSpan | undefined {
    const { api, tracer } = this.otel;
    try {
      const attributes: OtelAttributes = {
        ...this.common,
        [ATTR.destination]: channel,
        [ATTR.kubemqType]: kind,
      };
      if (isRpc(kind)) {
        attributes[ATTR.rpcSystem] = KUBEMQ_SYSTEM;
        attributes[ATTR.rpcMethod] = channel;
      }
      if (batchSize !== undefined) attributes[ATTR.batchCount] = batchSize;
      const parent = api.context.active();
      const span = tracer.startSpan(
        `send ${channel}`,
        { kind: isRpc(kind) ? api.SpanKind.CLIENT : api.SpanKind.PRODUCER, attributes },
        parent,
      );
      const tags: Record<string, string> = {};
      api.propagation.inject(api.trace.setSpan(parent, span), tags);
      return new OutgoingSpan(this.otel, span, tags);
    } catch {
      return undefined;
    }
  }
}

/** One client span; ends once, with the outcome. */
export class OutgoingSpan {
  private ended = false;

  constructor(
    private readonly otel: OpenTelemetry,
    private readonly span: OtelSpan,
    /** The trace context to send in the message's tags. */
    readonly tags: Tags,
  ) {}

  /** Records the id KubeMQ gave the message (known once it answered). */
  identify(messageId: string): void {
    if (this.ended || !messageId) return;
    try {
      this.span.setAttribute(ATTR.messageId, messageId);
    } catch {
      // A tracer that throws must not fail the message.
    }
  }

  /** Ends the span: with `error` as its failure, or with the message id KubeMQ gave. */
  end(error?: unknown, messageId?: string): void {
    if (this.ended) return;
    this.ended = true;
    if (error !== undefined) recordFailure(this.otel, this.span, error);
    try {
      if (messageId) this.span.setAttribute(ATTR.messageId, messageId);
      this.span.end();
    } catch {
      // A tracer that throws must not fail the message.
    }
  }
}
