import { EventEmitter } from 'node:events';
import { inspect } from 'node:util';
import {
  ClientProxy,
  type MsPattern,
  type ReadPacket,
  type WritePacket,
} from '@nestjs/microservices';
import { catchError, Observable, throwError } from 'rxjs';
import { KubeMQStatus, type KubeMQEvents } from '../constants';
import { type KubeMQConnection } from '../kubemq/connection';
import { KubeMQError } from '../kubemq/kubemq-error';
import { type KubeMQResult, type Tags } from '../kubemq/messages';
import { redactedOptions } from '../kubemq/redact';
import { PayloadSerialization } from '../serializers/payload-serialization';
import { type KubeMQClientOptions } from './client-kubemq.options';
import { ClientConnector } from './client-connector';
import {
  clientLayerFor,
  emitLayered,
  publishLayeredRequest,
  sendHelperCall,
  type ClientLayer,
  type HelperCall,
} from './client-layer';
import { packetMetadata } from './events/event-publisher';
import { PendingRequests } from './pending-requests';
import { published, publishFailure } from './published';
import { emissionKindOf, PUBLISHERS } from './publishers';
import { unpackRecord } from './request-encoder';
import { publishRequest } from './rpc/request-publisher';

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Nest's `ClientProxy` contract over a KubeMQ connection: connect and
 * close, status and events, `send()` as a KubeMQ request and `emit()` as an
 * event, stored event or queue message. {@link ClientKubeMQ} adds the typed
 * KubeMQ calls on top; apps use that one.
 */
export class KubeMQClientProxy extends ClientProxy<KubeMQEvents, string> {
  private readonly connector: ClientConnector;
  private readonly pending = new PendingRequests();
  private readonly events = new EventEmitter();
  protected readonly timeout: number;
  protected readonly serialization: PayloadSerialization | undefined;
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
  protected async connectedFor(channel: string): Promise<KubeMQConnection> {
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
  protected publishHelper<T>(
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
