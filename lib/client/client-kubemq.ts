import { EventEmitter } from 'node:events';
import { inspect } from 'node:util';
import {
  ClientProxy,
  type MsPattern,
  type ReadPacket,
  type WritePacket,
} from '@nestjs/microservices';
import { catchError, defer, Observable, throwError } from 'rxjs';
import { KubeMQStatus, type KubeMQEvents } from '../constants';
import { type KubeMQConnection } from '../kubemq/connection';
import { KubeMQError } from '../kubemq/kubemq-error';
import { type KubeMQResult } from '../kubemq/messages';
import { KubeMQRecord, type KubeMQRecordOptions } from '../record-builders/kubemq.record-builder';
import { type KubeMQClientOptions, type KubeMQCommandResponse } from './client-kubemq.options';
import { ClientConnector } from './client-connector';
import { PendingRequests } from './pending-requests';
import { published, publishFailure } from './published';
import {
  storeMany,
  storeOne,
  type KubeMQStoredEvent,
  type KubeMQStoreOptions,
} from './events-store/store-events';
import { emissionKindOf, PUBLISHERS } from './publishers';
import { pullFromQueue } from './queues/queue-pull';
import { sendBatchToQueue, sendToQueue } from './queues/queue-sender';
import {
  type KubeMQQueueMessage,
  type KubeMQQueuePullOptions,
  type KubeMQQueueSendOptions,
  type KubeMQQueueSendResult,
} from './queues/queue-types';
import { publishRequest } from './rpc/request-publisher';
import { redactedOptions } from '../kubemq/redact';
import { type Tags } from '../kubemq/messages';
import { PayloadSerialization } from '../serializers/payload-serialization';
import {
  clientLayerFor,
  emitLayered,
  publishLayeredRequest,
  sendHelperCall,
  type ClientLayer,
  type HelperCall,
} from './client-layer';
import { packetMetadata } from './events/event-publisher';
import { unpackRecord } from './request-encoder';

const DEFAULT_TIMEOUT_MS = 10_000;

/** Per-call options of {@link ClientKubeMQ.command} and {@link ClientKubeMQ.query}. */
export type KubeMQCallOptions = Omit<KubeMQRecordOptions, 'type'>;

/**
 * Nest `ClientProxy` for KubeMQ. `send()` sends a command (or, with a
 * record of type `'query'`, a query) and emits the response; `emit()`
 * publishes an event.
 *
 * @example
 * ```ts
 * ClientsModule.register([
 *   { name: 'KUBEMQ', customClass: ClientKubeMQ, options: { address: 'localhost:50000' } },
 * ]);
 * ```
 */
export class ClientKubeMQ extends ClientProxy<KubeMQEvents, string> {
  private readonly connector: ClientConnector;
  private readonly pending = new PendingRequests();
  private readonly events = new EventEmitter();
  private readonly timeout: number;
  private readonly serialization: PayloadSerialization | undefined;
  /** A `serializer`/`deserializer` of the wrong shape: connect() fails with it. */
  private readonly optionsError: Error | undefined;
  /** The serializer and the tracing, when either is there (set on connect). */
  private layer: ClientLayer | undefined;

  constructor(private readonly options: KubeMQClientOptions) {
    super();
    this.events.on('error', () => undefined);
    this.timeout = options?.timeout ?? DEFAULT_TIMEOUT_MS;
    try {
      this.serialization = PayloadSerialization.from('ClientKubeMQ', options);
    } catch (error) {
      this.optionsError = error as Error;
    }
    this.connector = new ClientConnector(options, {
      connected: (first) => {
        if (first) this.layer = clientLayerFor(this.serialization, this.connector.connection!);
        this._status$.next(KubeMQStatus.CONNECTED);
        if (!first) this.events.emit('reconnect');
      },
      lost: (error) => {
        this._status$.next(KubeMQStatus.DISCONNECTED);
        this.events.emit('disconnect', error);
      },
    });
  }

  /** The connection once connected. */
  private get connection(): KubeMQConnection | undefined {
    return this.connector.connection;
  }

  /** Shown without the token, key or certificate contents (they never reach logs). */
  [inspect.custom](): string {
    return `ClientKubeMQ ${inspect(redactedOptions(this.options))}`;
  }

  /**
   * Connects (pings the broker). Concurrent calls share one attempt; after
   * a failure the next call tries again.
   */
  connect(): Promise<KubeMQConnection> {
    if (this.optionsError) return Promise.reject(this.optionsError);
    return this.connector.connect();
  }

  /** Fails every pending request at once, then closes the connection. */
  close(): void {
    const connection = this.connector.detach();
    this.pending.failAll(
      (count) =>
        new KubeMQError(
          `ClientKubeMQ was closed while ${count} request(s) waited for a response${connection ? ` from ${connection.address}` : ''}`,
        ),
    );
    if (connection) {
      connection.close();
      this._status$.next(KubeMQStatus.DISCONNECTED);
    }
  }

  /** Listens to `disconnect` (the broker connection was lost) and `reconnect` (it is back). */
  override on<K extends keyof KubeMQEvents>(event: K, callback: KubeMQEvents[K]): void {
    this.events.on(event, callback);
  }

  /** The underlying {@link KubeMQConnection} (after `connect()`). */
  unwrap<T = KubeMQConnection>(): T {
    if (!this.connection)
      throw new Error('Not initialized. Please call the "connect" method first.');
    return this.connection as T;
  }

  /** Sends a command and emits the responder's acknowledgement. */
  command(
    channel: MsPattern,
    data: unknown,
    options: KubeMQCallOptions = {},
  ): Observable<KubeMQCommandResponse> {
    return this.send<KubeMQCommandResponse>(
      channel,
      new KubeMQRecord(data, { ...options, type: 'command' }),
    );
  }

  /** Sends a query and emits the handler's result. */
  query<TResult = unknown>(
    channel: MsPattern,
    data: unknown,
    options: KubeMQCallOptions = {},
  ): Observable<TResult> {
    return this.send<TResult>(channel, new KubeMQRecord(data, { ...options, type: 'query' }));
  }

  /**
   * Stores one event in KubeMQ's events store (SendEvent with Store: true).
   * It is published at once, like `emit()`; the Observable emits
   * `{ eventId, channel }` and completes once KubeMQ answered `Sent: true`,
   * or errors with KubeMQ's text and the channel (a bad channel, an empty
   * event, an unreachable broker). Late subscribers still get the outcome.
   *
   * @example
   * ```ts
   * const { eventId } = await lastValueFrom(this.client.storeEvent('orders', order));
   * ```
   */
  storeEvent(
    channel: string,
    data: unknown,
    options: KubeMQStoreOptions = {},
  ): Observable<KubeMQStoredEvent> {
    return this.publishHelper(
      { kind: 'events-store', channel, items: [data], batch: false },
      {
        options,
        send: (connection, [item]) => storeOne(connection, channel, item, options, this.timeout),
        idOf: (stored) => stored.eventId,
      },
    );
  }

  /**
   * Stores many events over one SendEventsStream that the client keeps open
   * and shares between calls (much cheaper per event than one call each).
   * Every item is checked before the first is written; the Observable
   * emits one `{ eventId, channel }` per item, in order, once KubeMQ stored
   * them all, or errors naming the channel and the items it refused.
   * Published at once, like `emit()`.
   *
   * @example
   * ```ts
   * await lastValueFrom(this.client.storeEvents('orders', [order1, order2]));
   * ```
   */
  storeEvents(
    channel: string,
    items: readonly unknown[],
    options: KubeMQStoreOptions = {},
  ): Observable<KubeMQStoredEvent[]> {
    return this.publishHelper(
      { kind: 'events-store', channel, items, batch: true },
      {
        options,
        send: (connection, prepared) =>
          storeMany(connection, channel, prepared, options, this.timeout),
      },
    );
  }

  /**
   * Sends one message to the KubeMQ queue `channel`, at once (like `emit()`,
   * and `emit(channel, record)` with `setType('queue')` does the same); the
   * Observable emits KubeMQ's result (message id, sent at, expiry, delay)
   * and completes, or errors with KubeMQ's refusal and the queue's name.
   * Late subscribers still get the outcome.
   *
   * @example
   * ```ts
   * await lastValueFrom(
   *   this.client.sendToQueue('payments', payment, { policy: { maxReceiveQueue: 'payments-dlq' } }),
   * );
   * ```
   */
  sendToQueue(
    channel: string,
    data: unknown,
    options: KubeMQQueueSendOptions = {},
  ): Observable<KubeMQQueueSendResult> {
    return this.publishHelper(
      { kind: 'queue', channel, items: [data], batch: false },
      {
        options,
        send: (connection, [item]) => sendToQueue(connection, channel, item, options, this.timeout),
        idOf: (result) => result.messageId,
      },
    );
  }

  /**
   * Sends several messages to the queue `channel` in one call, at once (each
   * item plain data or a KubeMQRecord, whose options win over `options`);
   * emits their results in order. KubeMQ accepts or refuses each message on
   * its own: if it refused any, this errors with a `KubeMQQueueBatchError`
   * listing which were sent (`results`) and which not (`refused`).
   */
  sendQueueBatch(
    channel: string,
    messages: readonly unknown[],
    options: KubeMQQueueSendOptions = {},
  ): Observable<KubeMQQueueSendResult[]> {
    return this.publishHelper(
      { kind: 'queue', channel, items: messages, batch: true },
      {
        options,
        send: (connection, prepared) =>
          sendBatchToQueue(connection, channel, prepared, options, this.timeout),
      },
    );
  }

  /**
   * On subscription, pulls up to `maxMessages` (default 1) from the queue
   * `channel`, waiting up to `waitSeconds` (default 1), and emits them
   * (possibly none). KubeMQ removes each message as it hands it out: nothing
   * is acked and nothing comes back if the caller then fails (at most once).
   * Work that must not be lost belongs in a queue handler (`@QueuePattern`),
   * acked only after it succeeded.
   */
  receiveFromQueue<TData = unknown>(
    channel: string,
    options: KubeMQQueuePullOptions = {},
  ): Observable<Array<KubeMQQueueMessage<TData>>> {
    return defer(async () =>
      pullFromQueue<TData>(
        await this.connectedFor(channel),
        channel,
        options,
        false,
        this.serialization,
      ),
    );
  }

  /**
   * On subscription, looks at up to `maxMessages` (default 1) messages of the
   * queue `channel` without taking them, waiting up to `waitSeconds` (default
   * 1). While a peek runs, the messages it looks at are not delivered to consumers.
   */
  peekQueue<TData = unknown>(
    channel: string,
    options: KubeMQQueuePullOptions = {},
  ): Observable<Array<KubeMQQueueMessage<TData>>> {
    return defer(async () =>
      pullFromQueue<TData>(
        await this.connectedFor(channel),
        channel,
        options,
        true,
        this.serialization,
      ),
    );
  }

  /**
   * Nest's emit(), with the channel named when the client cannot even
   * connect (the publishers name it for everything else).
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- ClientProxy's own signature
  override emit<TResult = any, TInput = any>(pattern: any, data: TInput): Observable<TResult> {
    const emitted = super.emit<TResult, TInput>(pattern, data);
    if (pattern === null || pattern === undefined || data === null || data === undefined) {
      return emitted;
    }
    const channel = this.normalizePattern(pattern as MsPattern);
    return emitted.pipe(
      catchError((error: unknown) =>
        throwError(() =>
          error instanceof Error && !error.message.includes(`"${channel}"`)
            ? publishFailure(channel, error)
            : error,
        ),
      ),
    );
  }

  /** The connection, connecting first if needed; a failure names the channel. */
  private async connectedFor(channel: string): Promise<KubeMQConnection> {
    if (this.connection) return this.connection;
    try {
      return await this.connect();
    } catch (error) {
      throw publishFailure(channel, error as Error);
    }
  }

  /**
   * ClientProxy.send() with a shorter path once connected: one Observable
   * whose subscription publishes the request, instead of Nest's
   * `defer(connect)` + `mergeMap` and a connect() promise per request.
   * Before the first connection, and for the invalid-message case, it is
   * Nest's send() itself.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- ClientProxy's own signature
  override send<TResult = any, TInput = any>(pattern: unknown, data: TInput): Observable<TResult> {
    if (pattern === null || pattern === undefined || data === null || data === undefined) {
      return super.send<TResult, TInput>(pattern, data);
    }
    return new Observable<TResult>((observer) => {
      if (!this.connection) return super.send<TResult, TInput>(pattern, data).subscribe(observer);
      return this.publish(this.packetOf(pattern, data), this.createObserver(observer));
    });
  }

  /** The packet Nest's send() would publish (Nest 12 builds it with createPacket, adding metadata). */
  private packetOf(pattern: unknown, data: unknown): ReadPacket {
    const create = (this as { createPacket?: (pattern: unknown, data: unknown) => ReadPacket })
      .createPacket;
    return typeof create === 'function'
      ? create.call(this, pattern, data)
      : { pattern: pattern as MsPattern, data };
  }

  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    const connection = this.connection;
    const channel = this.normalizePattern(packet.pattern);
    if (!connection) {
      const err = new KubeMQError(`Cannot send to "${channel}": ClientKubeMQ was closed`);
      callback({ err, isDisposed: true });
      return () => undefined;
    }
    if (this.layer) {
      return publishLayeredRequest(
        this.layer,
        connection,
        channel,
        packet,
        this.timeout,
        this.pending,
        callback,
      );
    }
    return publishRequest(connection, channel, packet, this.timeout, this.pending, callback);
  }

  protected async dispatchEvent<T = KubeMQResult>(packet: ReadPacket): Promise<T> {
    const connection = this.connection ?? (await this.connect());
    const channel = this.normalizePattern(packet.pattern);
    const kind = emissionKindOf(packet.data);
    const emission = { connection, channel, packet, timeout: this.timeout };
    const layer = this.layer;
    return (await (layer
      ? emitLayered(layer, kind, emission, PUBLISHERS[kind])
      : PUBLISHERS[kind](emission))) as T;
  }

  /**
   * A typed helper's call, published at once (like emit()), through Nest
   * 12's dispatch hook (as send() and emit() packets), the serializer and
   * the tracing when the client has them; straight to `send` otherwise.
   */
  private publishHelper<T>(
    what: Pick<HelperCall<T>, 'kind' | 'channel' | 'items' | 'batch'>,
    how: Pick<HelperCall<T>, 'options' | 'idOf'> & {
      send(connection: KubeMQConnection, items: unknown[]): Promise<T>;
    },
  ): Observable<T> {
    return published(async () => {
      const connection = await this.connectedFor(what.channel);
      return sendHelperCall(this.layer, {
        ...what,
        ...how,
        send: (items) => how.send(connection, items),
        metadataOf: this.dispatchHookMetadata(what.channel),
      });
    });
  }

  /** NestJS 12: what the client's dispatch hook (setOnDispatchHook) attaches to an item's packet. */
  private dispatchHookMetadata(channel: string): ((item: unknown) => Tags | undefined) | undefined {
    const hook = (this as { onDispatchHook?: unknown }).onDispatchHook;
    if (typeof hook !== 'function') return undefined;
    return (item) => packetMetadata(this.packetOf(channel, unpackRecord(item).data));
  }
}
