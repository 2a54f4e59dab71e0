import { type LoggerService } from '@nestjs/common';
import { type MessageHandler } from '@nestjs/microservices';
import { type KubeMQContext } from '../ctx-host/kubemq.context';
import { type KubeMQConnection } from '../kubemq/connection';
import { type StreamSubscriptionHandlers } from '../kubemq/stream-subscription';
import { type PayloadSerialization } from '../serializers/payload-serialization';
import { type IncomingSpan, type ServerTracing } from '../tracing/server-tracing';
import { type HandlerOutcome } from './handler-runner';
import { type KubeMQServerOptions } from './server-kubemq.options';
import { type PlannedSubscription } from './subscription-plan';

/** A subscription's outage and refusal reports, wired to the server's status and on() events. */
export type SubscriptionLifecycle = Omit<StreamSubscriptionHandlers<unknown>, 'onMessage'>;

/**
 * What ServerKubeMQ gives each consumer: the connection, Nest's pipeline
 * (with its processing hooks), the in-flight count that close() drains, and
 * error reporting. Consumers never touch the server itself.
 */
export interface ConsumerHost {
  readonly connection: KubeMQConnection;
  readonly options: KubeMQServerOptions;
  readonly logger: LoggerService;
  /** The custom serializer/deserializer; undefined without one (the body codec alone). */
  readonly serialization: PayloadSerialization | undefined;
  /** OpenTelemetry spans; undefined when the app registered no tracer provider. */
  readonly tracing: ServerTracing | undefined;
  /**
   * Runs a Nest handler inside the processing start hook, and inside
   * `span` when there is one; never rejects.
   */
  run(
    handler: MessageHandler,
    data: unknown,
    ctx: KubeMQContext,
    span?: IncomingSpan,
  ): Promise<HandlerOutcome>;
  /** Nest's processing end hook; call it once per message, when its outcome is handed over. */
  endProcessing(ctx: KubeMQContext): void;
  /** Marks one message as in flight; call the returned function once it is finished. */
  startWork(): () => void;
  /** Outage and refusal callbacks for a subscription to `channel`. */
  lifecycle(channel: string): SubscriptionLifecycle;
  /** Logs and emits `error` with `context` in front of the error's message. */
  reportError(context: string, error: unknown): void;
}

/** One open consumer: the subscription(s) of one Nest handler. */
export interface KubeMQConsumer {
  /** Stops taking new messages (cancels its subscriptions); running handlers carry on. */
  stop(): void;
  /**
   * Called once running handlers have finished or the grace period has
   * passed, before the connection closes: settles or hands back whatever is
   * still held (e.g. unsettled queue messages).
   */
  close?(): Promise<void>;
}

/** How one kind of handler (command, event, queue ...) is checked and consumed. */
export interface ConsumerKind {
  /** Throws a KubeMQError naming the handler's pattern when its channel or extras cannot work. */
  check(entry: PlannedSubscription): void;
  /** Opens the subscription(s) of one handler. */
  open(host: ConsumerHost, entry: PlannedSubscription): KubeMQConsumer;
}
