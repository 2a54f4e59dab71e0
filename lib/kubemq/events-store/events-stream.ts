import { randomBytes } from 'node:crypto';
import { status as GrpcStatus, type StatusObject } from '@grpc/grpc-js';
import { type KubeMQConnection } from '../connection';
import { type DuplexCall } from '../duplex-call';
import { KubeMQError } from '../kubemq-error';
import { type KubeMQEvent, type KubeMQResult } from '../messages';

/** Settles one written event: its Result, or why none will come. */
type Settle = (error: KubeMQError | undefined, result?: KubeMQResult) => void;

interface Pending {
  settle: Settle;
  deadline: number;
}

type EventsDuplex = DuplexCall<KubeMQEvent, KubeMQResult>;

/**
 * Stored events over one SendEventsStream, kept open and shared by every
 * caller: each write is one message on an open HTTP/2 stream instead of a
 * unary call. KubeMQ answers every stored event on that stream, in order,
 * with its EventID (§5.2), so each Result settles the event with that ID.
 * Plain events are not sent this way: KubeMQ answers them only on error,
 * so their success could never be told. A broken or stalled stream fails
 * everything waiting on it; the next `send()` opens a new one.
 */
export class EventsStream {
  private stream: EventsDuplex | undefined;
  private readonly pending = new Map<string, Pending>();
  private readonly idPrefix = randomBytes(6).toString('hex');
  private nextId = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly connection: KubeMQConnection) {}

  /** How many events wait for their Result. */
  get waiting(): number {
    return this.pending.size;
  }

  /**
   * Writes one stored event (its EventID is set when empty) and resolves
   * with KubeMQ's Result for it — `Sent: false` with the broker's text when
   * it refused the event. Rejects when the stream breaks, or when no Result
   * came within `timeoutMs`.
   */
  send(event: KubeMQEvent, timeoutMs: number): Promise<KubeMQResult> {
    return new Promise((resolve, reject) => {
      this.write(event, Date.now() + timeoutMs, (error, result) =>
        error ? reject(error) : resolve(result!),
      );
    });
  }

  /**
   * {@link send} for many events, written in order; resolves once every one
   * is settled, with a Result or the error that ended its wait, per event.
   */
  sendMany(
    events: readonly KubeMQEvent[],
    timeoutMs: number,
  ): Promise<Array<KubeMQResult | KubeMQError>> {
    const outcomes = new Array<KubeMQResult | KubeMQError>(events.length);
    if (events.length === 0) return Promise.resolve(outcomes);
    return new Promise((resolve) => {
      let left = events.length;
      const deadline = Date.now() + timeoutMs;
      events.forEach((event, index) =>
        this.write(event, deadline, (error, result) => {
          outcomes[index] = error ?? result!;
          left -= 1;
          if (left === 0) resolve(outcomes);
        }),
      );
    });
  }

  private write(event: KubeMQEvent, deadline: number, settle: Settle): void {
    if (!event.Store) {
      settle(new KubeMQError('EventsStream sends stored events only (Store: true)'));
      return;
    }
    if (this.closed || this.connection.isClosed) {
      settle(
        new KubeMQError(
          `KubeMQ connection to ${this.connection.address} is closed`,
          GrpcStatus.UNAVAILABLE,
        ),
      );
      return;
    }
    const id = event.EventID || `${this.idPrefix}-${(this.nextId += 1)}`;
    if (this.pending.has(id)) {
      settle(new KubeMQError(`Event ${id} is already waiting for its Result`));
      return;
    }
    let stream: EventsDuplex;
    try {
      stream = this.open();
    } catch (error) {
      settle(KubeMQError.fromGrpc(error as Error));
      return;
    }
    this.pending.set(id, { settle, deadline });
    this.armTimer();
    stream.write(event.EventID === id ? event : { ...event, EventID: id });
  }

  /** Fails what waits and ends the stream. The connection owner calls it before closing. */
  close(): void {
    this.closed = true;
    this.drop(new KubeMQError('The events stream was closed before KubeMQ answered'));
  }

  private open(): EventsDuplex {
    if (this.stream) return this.stream;
    const stream = this.connection.openDuplexCall<KubeMQEvent, KubeMQResult>('SendEventsStream');
    this.stream = stream;
    stream.on('data', (result: KubeMQResult) => this.onResult(result));
    stream.on('error', () => undefined);
    stream.on('status', (status: StatusObject) => {
      if (this.stream !== stream) return;
      this.stream = undefined;
      this.failAll(
        new KubeMQError(
          status.code === GrpcStatus.OK
            ? 'KubeMQ ended the events stream before answering'
            : status.details || `the events stream ended (gRPC status ${status.code})`,
          status.code === GrpcStatus.OK ? GrpcStatus.UNAVAILABLE : status.code,
        ),
      );
    });
    return stream;
  }

  private onResult(result: KubeMQResult): void {
    // KubeMQ echoes the EventID as sent (ours always have one); answers come in order.
    const id = result.EventID || (this.pending.keys().next().value ?? '');
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    entry.settle(undefined, result);
  }

  /** One timer, for the oldest event: answers come in order, so a late one means a stalled stream. */
  private armTimer(): void {
    if (this.timer || this.pending.size === 0) return;
    const oldest = this.pending.values().next().value as Pending;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        const first = this.pending.values().next().value as Pending | undefined;
        if (first && first.deadline <= Date.now()) {
          this.drop(
            new KubeMQError(
              'KubeMQ did not answer on the events stream in time',
              GrpcStatus.DEADLINE_EXCEEDED,
            ),
          );
          return;
        }
        this.armTimer();
      },
      Math.max(0, oldest.deadline - Date.now()),
    );
    this.timer.unref();
  }

  /** Cancels the stream and fails what waits on it. */
  private drop(error: KubeMQError): void {
    const stream = this.stream;
    this.stream = undefined;
    stream?.cancel();
    this.failAll(error);
  }

  private failAll(error: KubeMQError): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const entries = [...this.pending.values()];
    this.pending.clear();
    for (const entry of entries) entry.settle(error);
  }
}
