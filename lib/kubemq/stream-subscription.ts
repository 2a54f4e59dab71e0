import { status as GrpcStatus, type ClientReadableStream, type StatusObject } from '@grpc/grpc-js';
import { DEFAULT_RECONNECT_DELAY_MS, DEFAULT_RECONNECT_MAX_DELAY_MS } from './connection-options';
import { KubeMQError } from './kubemq-error';
import { isPermanentStreamEnd } from './refusals';

/** What a subscription reports to its owner. */
export interface StreamSubscriptionHandlers<T> {
  /** One message from the broker. Must not throw. */
  onMessage(message: T): void;
  /**
   * The broker refused the subscription for good (a KubeMQ validation error,
   * an unknown RPC, bad credentials). The subscription is over; it is not retried.
   */
  onError?(error: KubeMQError): void;
  /**
   * The stream dropped (broker restart, network); it is re-opened after
   * `retryInMs`, and again with backoff until it holds. Called once per outage.
   */
  onDisconnect?(error: KubeMQError, retryInMs: number): void;
  /** The re-opened stream holds (it delivered a message or stayed open a second). Once per outage. */
  onReconnect?(): void;
  /**
   * The broker sent a message larger than this connection accepts
   * (`maxMessageBytes`): grpc-js ended the stream for it, the message is
   * lost, and the stream is opened again at once. Not an outage.
   */
  onOversized?(error: KubeMQError): void;
}

/** Timing of re-subscription attempts. */
export interface ReconnectPolicy {
  reconnectDelay?: number;
  reconnectMaxDelay?: number;
}

/**
 * KubeMQ acknowledges no subscription, so a re-opened stream counts as
 * back once it delivers a message or stays open this long (a broker that
 * is still down fails a new stream within milliseconds).
 */
const STABLE_AFTER_MS = 1_000;

/**
 * Waits for the broker to be connected again: calls `wake` once when it is,
 * returns a function that stops waiting. (KubeMQConnection's onReconnected.)
 */
export type ReconnectWatch = (wake: () => void) => () => void;

/**
 * A server-streaming subscription that survives broker restarts: KubeMQ
 * never ends a healthy subscription stream itself, so any end that we did
 * not ask for is a drop, and the same Subscribe is sent again with backoff,
 * or at once when the connection to the broker comes back (so a restarted
 * broker is served again as soon as it is reachable, not after the rest of
 * a backoff that grew during the outage).
 */
export class StreamSubscription<T> {
  private stream: ClientReadableStream<T> | undefined;
  private cancelled = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopWatching: (() => void) | undefined;
  private stableTimer: NodeJS.Timeout | undefined;
  private attempt = 0;
  /** False from a drop until the re-opened stream has proved itself. */
  private healthy = true;
  private readonly endListeners: Array<() => void> = [];

  constructor(
    private readonly open: () => ClientReadableStream<T>,
    private readonly handlers: StreamSubscriptionHandlers<T>,
    private readonly policy: ReconnectPolicy = {},
    private readonly watchReconnect?: ReconnectWatch,
  ) {}

  /** True until `cancel()` or a fatal error. */
  get active(): boolean {
    return !this.cancelled;
  }

  /** Opens the stream. Called once by the connection. */
  start(): void {
    if (this.cancelled || this.stream) return;
    this.openStream();
  }

  /** Ends the subscription: the broker stops delivering to it. Idempotent. */
  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.stopWaiting();
    if (this.stableTimer) clearTimeout(this.stableTimer);
    this.stableTimer = undefined;
    const stream = this.stream;
    this.stream = undefined;
    stream?.cancel();
    this.finish();
  }

  /** Runs `listener` once the subscription is over (cancelled or refused). */
  onEnd(listener: () => void): void {
    if (this.cancelled) listener();
    else this.endListeners.push(listener);
  }

  private openStream(): void {
    const stream = this.open();
    this.stream = stream;
    stream.on('data', (message: T) => {
      this.markHealthy();
      this.handlers.onMessage(message);
    });
    // 'status' always follows; errors are handled there.
    stream.on('error', () => undefined);
    stream.on('status', (status: StatusObject) => this.onStreamStatus(stream, status));
  }

  /** The stream works again: report it once per outage and restart the backoff. */
  private markHealthy(): void {
    if (this.stableTimer) clearTimeout(this.stableTimer);
    this.stableTimer = undefined;
    this.attempt = 0;
    if (this.healthy) return;
    this.healthy = true;
    this.handlers.onReconnect?.();
  }

  private onStreamStatus(stream: ClientReadableStream<T>, status: StatusObject): void {
    if (this.cancelled || stream !== this.stream) return;
    this.stream = undefined;
    if (this.stableTimer) clearTimeout(this.stableTimer);
    this.stableTimer = undefined;
    const error = new KubeMQError(
      status.details || `subscription stream ended (gRPC status ${status.code})`,
      status.code,
    );
    if (status.code === GrpcStatus.RESOURCE_EXHAUSTED && this.healthy) {
      this.handlers.onOversized?.(error);
      this.openStream();
      return;
    }
    if (isPermanentStreamEnd(error)) {
      this.cancelled = true;
      this.handlers.onError?.(error);
      this.finish();
      return;
    }
    const base = this.policy.reconnectDelay ?? DEFAULT_RECONNECT_DELAY_MS;
    const max = this.policy.reconnectMaxDelay ?? DEFAULT_RECONNECT_MAX_DELAY_MS;
    const delay = Math.min(max, base * 2 ** Math.min(this.attempt, 16));
    this.attempt += 1;
    if (this.healthy) {
      this.healthy = false;
      this.handlers.onDisconnect?.(error, delay);
    }
    this.retryTimer = setTimeout(() => this.retry(), delay);
    this.stopWatching = this.watchReconnect?.(() => this.retry());
  }

  /** Opens the stream again (the backoff ran out, or the broker is connected again). */
  private retry(): void {
    this.stopWaiting();
    if (this.cancelled) return;
    this.openStream();
    this.stableTimer = setTimeout(() => this.markHealthy(), STABLE_AFTER_MS);
  }

  private stopWaiting(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.stopWatching?.();
    this.stopWatching = undefined;
  }

  private finish(): void {
    const listeners = this.endListeners.splice(0);
    for (const listener of listeners) listener();
  }
}
