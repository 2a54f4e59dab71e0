import { EventEmitter } from 'node:events';
import { Server, type CustomTransportStrategy, type MessageHandler } from '@nestjs/microservices';
import { KUBEMQ_TRANSPORT, KubeMQStatus, type KubeMQEvents } from '../constants';
import { KubeMQContext, type KubeMQMessageInfo } from '../ctx-host/kubemq.context';
import { KubeMQConnection } from '../kubemq/connection';
import { type KubeMQError } from '../kubemq/kubemq-error';
import {
  makeSubscribe,
  type KubeMQEventReceive,
  type KubeMQRequest,
  type KubeMQResponse,
} from '../kubemq/messages';
import { INTERNAL_ERROR } from '../errors/wire-error';
import { type StreamSubscription } from '../kubemq/stream-subscription';
import { bodyFormatOf, decodeBody } from '../serializers/body-codec';
import { runHandler, type HandlerOutcome } from './handler-runner';
import { InFlightTracker } from './in-flight-tracker';
import { buildResponse } from './response-builder';
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
      onDisconnect: (error: KubeMQError) => {
        this._status$.next(KubeMQStatus.RECONNECTING);
        this.events.emit('disconnect', error);
      },
      onReconnect: () => {
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
    const ctx = new KubeMQContext([
      {
        type: entry.kind,
        channel: request.Channel,
        pattern: entry.channel,
        id: request.RequestID,
        clientId: request.ClientID,
        metadata: request.Metadata,
        tags: request.Tags,
        timeout: request.Timeout,
        replyChannel: request.ReplyChannel,
      },
    ]);
    try {
      const data = decodeBody(request.Body, bodyFormatOf(request.Tags));
      const outcome = await this.runWithHooks(entry.handler, data, ctx);
      const response = this.responseFor(request, entry, outcome, connection.clientId);
      await connection.sendResponse(response);
    } catch (error) {
      this.reportError(
        `Could not answer request ${request.RequestID} on "${request.Channel}"`,
        error,
      );
    } finally {
      this.onProcessingEndHook?.(this.transportId, ctx);
      done();
    }
  }

  private async handleKubeMQEvent(
    entry: PlannedSubscription,
    event: KubeMQEventReceive,
  ): Promise<void> {
    const done = this.inFlight.start();
    const info: KubeMQMessageInfo = {
      type: 'event',
      channel: event.Channel,
      pattern: entry.channel,
      id: event.EventID,
      clientId: '',
      metadata: event.Metadata,
      tags: event.Tags,
      timeout: 0,
      replyChannel: '',
    };
    const ctx = new KubeMQContext([info]);
    try {
      await this.runWithHooks(entry.handler, decodeBody(event.Body, bodyFormatOf(event.Tags)), ctx);
    } finally {
      this.onProcessingEndHook?.(this.transportId, ctx);
      done();
    }
  }

  /** The response for an outcome; a result that cannot be serialized becomes Nest's internal error. */
  private responseFor(
    request: KubeMQRequest,
    entry: PlannedSubscription,
    outcome: HandlerOutcome,
    clientId: string,
  ): KubeMQResponse {
    const isQuery = entry.kind === 'query';
    try {
      return buildResponse(request, isQuery, outcome, clientId);
    } catch (error) {
      this.logger.error(
        `The handler of "${entry.channel}" returned a value that cannot be sent: ${(error as Error).message}`,
      );
      return buildResponse(request, isQuery, { ok: false, error: INTERNAL_ERROR }, clientId);
    }
  }

  /** Runs the handler inside Nest's processing-start hook (11.1+ / 12) when there is one. */
  private runWithHooks(
    handler: MessageHandler,
    data: unknown,
    ctx: KubeMQContext,
  ): Promise<HandlerOutcome> {
    const startHook = this.onProcessingStartHook;
    if (typeof startHook !== 'function') return runHandler(handler, data, ctx);
    return new Promise<HandlerOutcome>((resolve) => {
      let settled = false;
      const run = async () => {
        const outcome = await runHandler(handler, data, ctx);
        settled = true;
        resolve(outcome);
      };
      const fail = (error: unknown) => {
        if (!settled) resolve({ ok: false, error });
      };
      try {
        Promise.resolve(startHook.call(this, this.transportId, ctx, run)).catch(fail);
      } catch (error) {
        fail(error);
      }
    });
  }

  private reportError(context: string, error: unknown): void {
    const message = `${context}: ${error instanceof Error ? error.message : String(error)}`;
    this.logger.error(message);
    this.events.emit('error', error instanceof Error ? error : new Error(message));
  }
}
