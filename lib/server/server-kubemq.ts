import { EventEmitter } from 'node:events';
import { inspect } from 'node:util';
import { Server, type CustomTransportStrategy, type MessageHandler } from '@nestjs/microservices';
import { KUBEMQ_TRANSPORT, KubeMQStatus, type KubeMQEvents } from '../constants';
import { type KubeMQContext } from '../ctx-host/kubemq.context';
import { KubeMQConnection } from '../kubemq/connection';
import { type ConsumerHost, type KubeMQConsumer, type SubscriptionLifecycle } from './consumer';
import { CONSUMER_KINDS } from './consumer-kinds';
import {
  runHandler,
  runWithStartHook,
  type HandlerOutcome,
  type ProcessingStartHook,
} from './handler-runner';
import { InFlightTracker } from './in-flight-tracker';
import { type KubeMQServerOptions } from './server-kubemq.options';
import { planSubscriptions } from './subscription-plan';
import { redactedOptions } from '../kubemq/redact';
import { PayloadSerialization } from '../serializers/payload-serialization';
import { registeredOpenTelemetry } from '../tracing/opentelemetry';
import { ServerTracing } from '../tracing/server-tracing';

const DEFAULT_GRACE_PERIOD_MS = 10_000;

/**
 * Nest microservice strategy for KubeMQ: each `@MessagePattern` becomes a
 * commands (or, with `{ type: 'query' }`, queries) subscription whose
 * requests run through Nest's pipeline and are answered automatically;
 * each `@EventPattern` becomes an events subscription (or, by its `type`,
 * an events-store or queue consumer).
 *
 * @example
 * ```ts
 * const app = await NestFactory.createMicroservice(AppModule, {
 *   strategy: new ServerKubeMQ({ address: 'localhost:50000', group: 'orders' }),
 * });
 * await app.listen();
 * ```
 */
export class ServerKubeMQ
  extends Server<KubeMQEvents, KubeMQStatus>
  implements CustomTransportStrategy
{
  override readonly transportId = KUBEMQ_TRANSPORT;
  private connection: KubeMQConnection | undefined;
  private consumers: KubeMQConsumer[] = [];
  private readonly inFlight = new InFlightTracker();
  private droppedSubscriptions = 0;
  private readonly events = new EventEmitter();

  /** The start hook Nest's Server sets up (`done()` only), to tell it from one set by instrumentation. */
  private readonly nestStartHook: unknown;

  constructor(private readonly options: KubeMQServerOptions) {
    super();
    this.nestStartHook = this.onProcessingStartHook;
    this.events.on('error', () => undefined);
  }

  /** Shown without the token, key or certificate contents (they never reach logs). */
  [inspect.custom](): string {
    return `ServerKubeMQ ${inspect(redactedOptions(this.options))}`;
  }

  /** Connects, subscribes every handler, then calls back; a failure goes to the callback. */
  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      await this.start();
    } catch (error) {
      await this.close();
      callback(error);
      return;
    }
    callback();
  }

  /**
   * Stops taking new messages, lets running handlers finish and send their
   * responses (up to `gracePeriod` ms), then closes the connection.
   */
  async close(): Promise<void> {
    const connection = this.connection;
    const consumers = this.consumers;
    this.connection = undefined;
    this.consumers = [];
    for (const consumer of consumers) consumer.stop();
    this.droppedSubscriptions = 0;
    if (!connection) return;
    const drained = await this.inFlight.drain(this.options.gracePeriod ?? DEFAULT_GRACE_PERIOD_MS);
    if (!drained) {
      this.logger.warn(`Closing with ${this.inFlight.size} KubeMQ handler(s) still running`);
    }
    await Promise.all(consumers.map((consumer) => consumer.close?.()));
    connection.close();
    this._status$.next(KubeMQStatus.DISCONNECTED);
  }

  /** Listens to `error`, `disconnect` and `reconnect`. */
  on<K extends keyof KubeMQEvents>(event: K, callback: KubeMQEvents[K]): void {
    this.events.on(event, callback);
  }

  /** The underlying {@link KubeMQConnection} (after `listen()`). */
  unwrap<T = KubeMQConnection>(): T {
    if (!this.connection) {
      throw new Error(
        'Not initialized. Please call the "listen"/"startAllMicroservices" method before accessing the server.',
      );
    }
    return this.connection as T;
  }

  private async start(): Promise<void> {
    const plan = planSubscriptions(this.messageHandlers, this.options.group);
    for (const entry of plan) CONSUMER_KINDS[entry.kind].check(entry);
    const serialization = PayloadSerialization.from('ServerKubeMQ', this.options);
    const connection = new KubeMQConnection(this.options);
    this.connection = connection;
    await connection.connect();
    const host = this.hostFor(connection, serialization);
    for (const entry of plan) this.consumers.push(CONSUMER_KINDS[entry.kind].open(host, entry));
    // KubeMQ never acknowledges a subscription. A Ping sent after the
    // Subscribe calls on the same HTTP/2 connection reaches the broker after
    // them, so in practice the subscriptions are in place once it returns.
    await connection.ping();
    this._status$.next(KubeMQStatus.CONNECTED);
  }

  private hostFor(
    connection: KubeMQConnection,
    serialization: PayloadSerialization | undefined,
  ): ConsumerHost {
    // The app registers its tracer provider before it starts (OpenTelemetry's own rule).
    const otel = registeredOpenTelemetry();
    return {
      connection,
      options: this.options,
      logger: this.logger,
      serialization,
      tracing: otel ? new ServerTracing(otel, connection.clientId) : undefined,
      run: (handler, data, ctx, span) =>
        span ? span.within(() => this.run(handler, data, ctx)) : this.run(handler, data, ctx),
      endProcessing: (ctx) => this.onProcessingEndHook?.(this.transportId, ctx),
      startWork: () => this.inFlight.start(),
      lifecycle: (channel) => this.lifecycle(channel),
      reportError: (context, error) => this.reportError(context, error),
    };
  }

  /**
   * Each subscription reports once per outage; the server is connected
   * again only when every dropped subscription holds again.
   */
  private lifecycle(channel: string): SubscriptionLifecycle {
    return {
      onError: (error) =>
        this.reportError(`KubeMQ refused the subscription to "${channel}"`, error),
      onOversized: (error) =>
        this.logger.error(
          `Dropped a message on "${channel}" larger than maxMessageBytes (${error.message})`,
        ),
      onDisconnect: (error) => {
        this.droppedSubscriptions += 1;
        if (this.droppedSubscriptions > 1) return;
        this._status$.next(KubeMQStatus.RECONNECTING);
        this.events.emit('disconnect', error);
      },
      onReconnect: () => {
        this.droppedSubscriptions -= 1;
        if (this.droppedSubscriptions > 0) return;
        this._status$.next(KubeMQStatus.CONNECTED);
        this.events.emit('reconnect');
      },
    };
  }

  /**
   * Nest 11.1.4+ and 12 always have a start hook; Nest's own only calls
   * `done`, so while it is in place the handler runs without it (the same
   * thing, without a promise and three closures per message).
   */
  private run(handler: MessageHandler, data: unknown, ctx: KubeMQContext): Promise<HandlerOutcome> {
    const hook: unknown = this.onProcessingStartHook;
    if (typeof hook !== 'function' || hook === this.nestStartHook) {
      return runHandler(handler, data, ctx);
    }
    return runWithStartHook(this.startHook, this.transportId, handler, data, ctx);
  }

  private readonly startHook: ProcessingStartHook = (transportId, ctx, done) =>
    (this.onProcessingStartHook as ProcessingStartHook).call(this, transportId, ctx, done);

  private reportError(context: string, error: unknown): void {
    const message = `${context}: ${error instanceof Error ? error.message : String(error)}`;
    this.logger.error(message);
    this.events.emit('error', error instanceof Error ? error : new Error(message));
  }
}
