import { inspect } from 'node:util';
import {
  Client,
  Metadata,
  credentials as grpcCredentials,
  status as GrpcStatus,
  type ChannelCredentials,
  type ChannelInterface,
  type ClientReadableStream,
  type ServiceError,
} from '@grpc/grpc-js';
import {
  channelOptionsFor,
  defaultClientId,
  type KubeMQConnectionOptions,
} from './connection-options';
import { onReconnected, watchChannel } from './connectivity';
import { KubeMQError } from './kubemq-error';
import { type KubeMQMethods, prepareMethods } from './methods';
import { type KubeMQMethodName } from './proto';
import {
  type KubeMQEvent,
  type KubeMQEventReceive,
  type KubeMQRequest,
  type KubeMQResponse,
  type KubeMQResult,
  type KubeMQSubscribe,
  type PingResult,
} from './messages';
import { ConnectionCalls } from './connection-calls';
import { type DuplexCall } from './duplex-call';
import { StreamSubscription, type StreamSubscriptionHandlers } from './stream-subscription';
import { connectFailureReason } from './grpc-failure';
import { tlsChannelCredentials } from './tls';
import { redactedOptions } from './redact';

const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
/** How long a SendResponse or SendEvent may take before it fails (a stalled broker). */
const DEFAULT_CALL_TIMEOUT_MS = 10_000;
/** Extra time given to the gRPC deadline beyond a request's KubeMQ Timeout, so the server's own Error 301 arrives first. */
const REQUEST_DEADLINE_MARGIN_MS = 2_000;

/**
 * One gRPC channel to one KubeMQ server, with typed calls for the RPCs the
 * transport uses. Knows nothing of Nest.
 */
export class KubeMQConnection {
  readonly address: string;
  readonly clientId: string;
  private readonly options: KubeMQConnectionOptions;
  private readonly client: Client;
  /** The client's channel: calls go straight to it or its subchannel (./connection-calls). */
  private readonly channel: ChannelInterface;
  private readonly methods: KubeMQMethods;
  private readonly calls: ConnectionCalls;
  private readonly subscriptions = new Set<StreamSubscription<unknown>>();
  private closed = false;

  constructor(options: KubeMQConnectionOptions) {
    if (!options || typeof options.address !== 'string' || options.address.trim() === '') {
      throw new KubeMQError('KubeMQ connection needs an address ("host:port")');
    }
    this.options = options;
    this.address = options.address.trim();
    this.clientId = options.clientId || defaultClientId();
    this.methods = prepareMethods();
    const metadata = new Metadata();
    if (options.authToken) metadata.set('authorization', options.authToken);
    const channelOptions = channelOptionsFor(options);
    this.client = new Client(this.address, credentialsFor(options), channelOptions);
    this.channel = this.client.getChannel();
    this.calls = new ConnectionCalls(this.address, this.channel, metadata, options, channelOptions);
  }

  /** Shown without the token, key or certificate contents (they never reach logs). */
  [inspect.custom](): string {
    return `KubeMQConnection ${inspect(redactedOptions(this.options))}`;
  }

  /** True once `close()` has been called. */
  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Waits until the broker answers a Ping, up to `connectTimeout` ms.
   * Rejects with an error that names the address when it does not.
   */
  async connect(): Promise<PingResult> {
    const timeout = this.options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const deadline = Date.now() + timeout;
    try {
      await new Promise<void>((resolve, reject) =>
        this.client.waitForReady(deadline, (error) => (error ? reject(error) : resolve())),
      );
      return await this.ping(Math.max(1, deadline - Date.now()));
    } catch (error) {
      const code = KubeMQError.grpcCodeOf(error);
      // A broker that answered and said no (a bad token) is not a timeout.
      const refused = code === GrpcStatus.UNAUTHENTICATED || code === GrpcStatus.PERMISSION_DENIED;
      if (refused) {
        throw KubeMQError.fromGrpc(
          error as Error,
          `KubeMQ at ${this.address} refused the connection`,
        );
      }
      const reason = (await this.lastConnectError()) ?? (error as Error).message;
      throw new KubeMQError(
        `Cannot connect to KubeMQ at ${this.address} within ${timeout} ms: ${reason}`,
        code,
        { cause: error },
      );
    }
  }

  /**
   * Why the channel could not connect (a refused port, a TLS handshake that
   * failed), as grpc-js reports it to a call made while it is down.
   */
  private async lastConnectError(): Promise<string | undefined> {
    try {
      await this.ping(500);
      return undefined;
    } catch (error) {
      // grpc-js's own text (the KubeMQError's cause), which carries the last connect error.
      const cause = (error as Error).cause as Partial<ServiceError> | undefined;
      return connectFailureReason(cause?.details ?? (error as Error).message);
    }
  }

  /** Pings the broker; fails when no answer comes within `timeoutMs`. */
  ping(timeoutMs = DEFAULT_CONNECT_TIMEOUT_MS): Promise<PingResult> {
    return this.calls.unary<object, PingResult>(this.methods.Ping, {}, Date.now() + timeoutMs);
  }

  /**
   * Sends a command or query and resolves with the responder's Response.
   * `Timeout` (ms) is both KubeMQ's wait and, plus a margin, the gRPC deadline.
   */
  sendRequest(request: KubeMQRequest): Promise<KubeMQResponse> {
    return new Promise((resolve, reject) => {
      this.sendRequestWithCallback(request, (error, response) =>
        error ? reject(error) : resolve(response!),
      );
    });
  }

  /**
   * Callback form of {@link sendRequest} for the hot path; returns a function
   * that cancels the call (the broker then stops waiting for a reply).
   */
  sendRequestWithCallback(
    request: KubeMQRequest,
    callback: (error: KubeMQError | undefined, response?: KubeMQResponse) => void,
  ): () => void {
    const deadline = Date.now() + request.Timeout + REQUEST_DEADLINE_MARGIN_MS;
    return this.calls.unaryCall<KubeMQRequest, KubeMQResponse>(
      this.methods.SendRequest,
      request,
      deadline,
      callback,
    );
  }

  /**
   * Answers a request; the broker routes it by `ReplyChannel`. A broker
   * that does not take it within `timeoutMs` fails the call (default 10 s).
   */
  sendResponse(response: KubeMQResponse, timeoutMs = DEFAULT_CALL_TIMEOUT_MS): Promise<void> {
    return new Promise((resolve, reject) => {
      this.sendResponseWithCallback(response, timeoutMs, (error) =>
        error ? reject(error) : resolve(),
      );
    });
  }

  /** Callback form of {@link sendResponse} for the hot path: `done` is called once. */
  sendResponseWithCallback(
    response: KubeMQResponse,
    timeoutMs: number,
    done: (error: KubeMQError | undefined) => void,
  ): void {
    this.calls.unaryCall<KubeMQResponse, object>(
      this.methods.SendResponse,
      response,
      Date.now() + timeoutMs,
      done,
    );
  }

  /** Publishes an event (fire-and-forget on the broker side); fails after `timeoutMs` (default 10 s). */
  sendEvent(event: KubeMQEvent, timeoutMs = DEFAULT_CALL_TIMEOUT_MS): Promise<KubeMQResult> {
    return this.calls.unary<KubeMQEvent, KubeMQResult>(
      this.methods.SendEvent,
      event,
      Date.now() + timeoutMs,
    );
  }

  /** Subscribes to commands or queries; re-subscribes when the broker drops the stream. */
  subscribeToRequests(
    subscribe: KubeMQSubscribe,
    handlers: StreamSubscriptionHandlers<KubeMQRequest>,
  ): StreamSubscription<KubeMQRequest> {
    return this.subscribe(
      () => this.openServerStream<KubeMQSubscribe, KubeMQRequest>('SubscribeToRequests', subscribe),
      handlers,
    );
  }

  /** Subscribes to events; re-subscribes when the broker drops the stream. */
  subscribeToEvents(
    subscribe: KubeMQSubscribe,
    handlers: StreamSubscriptionHandlers<KubeMQEventReceive>,
  ): StreamSubscription<KubeMQEventReceive> {
    return this.subscribe(
      () =>
        this.openServerStream<KubeMQSubscribe, KubeMQEventReceive>('SubscribeToEvents', subscribe),
      handlers,
    );
  }

  /**
   * A subscription over any server stream: `open` is called for the first
   * stream and again (with backoff) each time the broker drops it, so it may
   * send a different request each time (e.g. resume from a position). The
   * connection cancels it at `close()`.
   */
  subscribe<T>(
    open: () => ClientReadableStream<T>,
    handlers: StreamSubscriptionHandlers<T>,
  ): StreamSubscription<T> {
    return this.track(
      new StreamSubscription<T>(open, handlers, this.options, (wake) =>
        onReconnected(this.channel, () => this.closed, wake),
      ),
    );
  }

  /**
   * Any unary RPC of the service, with this connection's metadata; fails
   * when the broker has not answered within `timeoutMs` (default 10 s).
   */
  call<Req, Res>(
    method: KubeMQMethodName,
    request: Req,
    timeoutMs = DEFAULT_CALL_TIMEOUT_MS,
  ): Promise<Res> {
    return this.calls.unary<Req, Res>(this.methods[method], request, Date.now() + timeoutMs);
  }

  /** Opens one server stream of `method` (no re-subscription: see {@link subscribe}). */
  openServerStream<Req, Res>(method: KubeMQMethodName, request: Req): ClientReadableStream<Res> {
    return this.calls.serverStream<Req, Res>(this.methods[method], request);
  }

  /**
   * A bidirectional call of `method` (SendEventsStream, StreamQueueMessage ...)
   * made straight on the channel (./duplex-call), without grpc-js's Duplex
   * stream and interceptor layers. The caller owns it; the connection
   * cancels it at `close()` if it is still open.
   */
  openDuplexCall<Req, Res>(method: KubeMQMethodName): DuplexCall<Req, Res> {
    return this.calls.duplex<Req, Res>(this.methods[method]);
  }

  /**
   * Calls `listener(false)` when the gRPC channel stops being connected
   * (the broker went away) and `listener(true)` when it is connected again
   * (grpc-js dials again on the next call). Stops at `close()`.
   */
  watchConnectivity(listener: (connected: boolean) => void): void {
    watchChannel(this.channel, () => this.closed, listener);
  }

  /** Cancels every subscription and open stream, then closes the gRPC channel. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const subscription of this.subscriptions) subscription.cancel();
    this.subscriptions.clear();
    this.calls.close();
    this.client.close();
  }

  private track<T>(subscription: StreamSubscription<T>): StreamSubscription<T> {
    const tracked = subscription as StreamSubscription<unknown>;
    this.subscriptions.add(tracked);
    subscription.onEnd(() => this.subscriptions.delete(tracked));
    subscription.start();
    return subscription;
  }
}

function credentialsFor(options: KubeMQConnectionOptions): ChannelCredentials {
  if (options.tls && options.credentials) {
    throw new KubeMQError('KubeMQ connection: give either `tls` or `credentials`, not both');
  }
  if (options.credentials) return options.credentials;
  return options.tls ? tlsChannelCredentials(options.tls) : grpcCredentials.createInsecure();
}
