import { EventEmitter } from 'node:events';
import { Server, type CustomTransportStrategy, type MessageHandler } from '@nestjs/microservices';
import { KUBEMQ_TRANSPORT, KubeMQStatus, type KubeMQEvents } from '../constants';
import { KubeMQContext } from '../ctx-host/kubemq.context';
import { KubeMQConnection } from '../kubemq/connection';
import { type KubeMQError } from '../kubemq/kubemq-error';
import { makeSubscribe, type KubeMQEventReceive, type KubeMQRequest } from '../kubemq/messages';
import { type StreamSubscription } from '../kubemq/stream-subscription';
import { bodyFormatOf, decodeBody } from '../serializers/body-codec';
import {
  runHandler,
  runWithStartHook,
  type HandlerOutcome,
  type ProcessingStartHook,
} from './handler-runner';
import { InFlightTracker } from './in-flight-tracker';
import { buildSendableResponse } from './response-builder';
import { type KubeMQServerOptions } from './server-kubemq.options';
import { planSubscriptions, type PlannedSubscription } from './subscription-plan';

const DEFAULT_GRACE_PERIOD_MS = 10_000;

/**
 * Nest microservice strategy for KubeMQ: each `@MessagePattern` becomes a
 * commands (or, with `{ type: 'query' }`, queries) subscription whose
 * requests run through Nest's pipeline and are answered automatically;
 * each `@EventPattern` becomes an events subscription.
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
  private subscriptions: Array<StreamSubscription<unknown>> = [];
  private readonly inFlight = new InFlightTracker();
  private droppedSubscriptions = 0;
  private readonly events = new EventEmitter();

  constructor(private readonly options: KubeMQServerOptions) {
    super();
    this.events.on('error', () => undefined);
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
    this.connection = undefined;
    for (const subscription of this.subscriptions) subscription.cancel();
    this.subscriptions = [];
    this.droppedSubscriptions = 0;
    if (!connection) return;
    const drained = await this.inFlight.drain(this.options.gracePeriod ?? DEFAULT_GRACE_PERIOD_MS);
    if (!drained) {
      this.logger.warn(`Closing with ${this.inFlight.size} KubeMQ handler(s) still running`);
    }
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
    const connection = new KubeMQConnection(this.options);
    this.connection = connection;
    await connection.connect();
    for (const entry of plan) this.subscriptions.push(this.subscribe(connection, entry));
    // KubeMQ never acknowledges a subscription. A Ping sent after the
    // Subscribe calls on the same HTTP/2 connection reaches the broker after
    // them, so in practice the subscriptions are in place once it returns.
    await connection.ping();
    this._status$.next(KubeMQStatus.CONNECTED);
  }

  private subscribe(
    connection: KubeMQConnection,
    entry: PlannedSubscription,
  ): StreamSubscription<unknown> {
    const subscribe = makeSubscribe({
      SubscribeTypeData: entry.subscribeType,
      ClientID: connection.clientId,
      Channel: entry.channel,
      Group: entry.group,
    });
    const lifecycle = {
      onError: (error: KubeMQError) =>
        this.reportError(`KubeMQ refused the subscription to "${entry.channel}"`, error),
      // Each subscription reports once per outage; the server is connected
      // again only when every dropped subscription holds again.
      onDisconnect: (error: KubeMQError) => {
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
    if (entry.kind === 'event') {
      return connection.subscribeToEvents(subscribe, {
        ...lifecycle,
        onMessage: (event) => void this.handleKubeMQEvent(entry, event),
      }) as StreamSubscription<unknown>;
    }
    return connection.subscribeToRequests(subscribe, {
      ...lifecycle,
      onMessage: (request) => void this.answerRequest(connection, entry, request),
    }) as StreamSubscription<unknown>;
  }

  private async answerRequest(
    connection: KubeMQConnection,
    entry: PlannedSubscription,
    request: KubeMQRequest,
  ): Promise<void> {
    const done = this.inFlight.start();
    const ctx = KubeMQContext.forRequest(entry.kind as 'command' | 'query', entry.channel, request);
    let processing = true;
    // As in Nest's own transports, processing ends when the response is handed
    // over, before it is sent: the caller may have it before SendResponse returns.
    const endProcessing = () => {
      if (!processing) return;
      processing = false;
      this.onProcessingEndHook?.(this.transportId, ctx);
    };
    try {
      const data = decodeBody(request.Body, bodyFormatOf(request.Tags));
      const outcome = await this.run(entry.handler, data, ctx);
      const response = buildSendableResponse(
        request,
        entry.kind === 'query',
        outcome,
        connection.clientId,
        (error) =>
          this.logger.error(
            `The handler of "${entry.channel}" returned a value that cannot be sent: ${error.message}`,
          ),
      );
      endProcessing();
      // Past the sender's own timeout nobody waits for it: don't wait longer either.
      await connection.sendResponse(response, Math.max(1_000, request.Timeout));
    } catch (error) {
      this.reportError(
        `Could not answer request ${request.RequestID} on "${request.Channel}"`,
        error,
      );
    } finally {
      endProcessing();
      done();
    }
  }

  private async handleKubeMQEvent(
    entry: PlannedSubscription,
    event: KubeMQEventReceive,
  ): Promise<void> {
    const done = this.inFlight.start();
    const ctx = KubeMQContext.forEvent(entry.channel, event);
    try {
      await this.run(entry.handler, decodeBody(event.Body, bodyFormatOf(event.Tags)), ctx);
    } finally {
      this.onProcessingEndHook?.(this.transportId, ctx);
      done();
    }
  }

  /** Nest 11.1.4+ and 12 always have a start hook (by default it just calls done). */
  private run(handler: MessageHandler, data: unknown, ctx: KubeMQContext): Promise<HandlerOutcome> {
    if (typeof this.onProcessingStartHook !== 'function') return runHandler(handler, data, ctx);
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
