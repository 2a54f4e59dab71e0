import assert from 'node:assert/strict';
import {
  type ClientDuplexStream,
  type ClientReadableStream,
  type StatusObject,
} from '@grpc/grpc-js';
import { makeEvent, type KubeMQEvent, type KubeMQResult } from '../../lib';
import { delay } from './delay';

/** A server stream: collects what arrives and how it ended. */
export class StreamReader<T> {
  /** Everything received so far, in order. */
  readonly received: T[] = [];
  /** Resolves with the final status once the stream has ended (any code). */
  readonly ended: Promise<StatusObject>;
  private endStatus: StatusObject | undefined;
  private waiters: (() => void)[] = [];

  constructor(private readonly call: ClientReadableStream<T> | ClientDuplexStream<unknown, T>) {
    call.on('data', (message: T) => {
      this.received.push(message);
      this.wake();
    });
    // 'error' carries the status for non-OK ends; 'status' always follows.
    call.on('error', () => undefined);
    this.ended = new Promise((resolve) => {
      call.on('status', (final: StatusObject) => {
        this.endStatus = final;
        this.wake();
        resolve(final);
      });
    });
  }

  /** True once the stream has a final status. */
  get isEnded(): boolean {
    return this.endStatus !== undefined;
  }

  /**
   * Resolves when at least `count` messages have arrived; rejects after
   * `timeoutMs`, or when the stream ends short of that.
   */
  async waitFor(count: number, timeoutMs = 5000): Promise<T[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < count) {
      if (this.endStatus) {
        throw new Error(
          `stream ended (${this.endStatus.code} ${this.endStatus.details}) after ${this.received.length}/${count} messages`,
        );
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`timed out waiting for ${count} messages (got ${this.received.length})`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.received.slice(0, count);
  }

  /** The `index`-th message (0-based), waiting for it if needed. */
  async nth(index: number, timeoutMs = 5000): Promise<T> {
    const messages = await this.waitFor(index + 1, timeoutMs);
    return messages[index];
  }

  /** Calls `listener` with each message that arrives from now on. */
  onMessage(listener: (message: T) => void): void {
    this.call.on('data', listener);
  }

  /** Cancels the stream (the client hangs up). */
  cancel(): void {
    this.call.cancel();
  }

  /**
   * Stops reading: once grpc-js's small buffer is full, HTTP/2 flow control
   * holds the broker's writes back (a slow subscriber).
   */
  pause(): void {
    this.call.pause();
  }

  /** Reads again after pause(). */
  resume(): void {
    this.call.resume();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

/** A SendEventsStream call: write events, read the Results the server chooses to send. */
export class EventsStream extends StreamReader<KubeMQResult> {
  constructor(private readonly duplex: ClientDuplexStream<KubeMQEvent, KubeMQResult>) {
    super(duplex);
  }

  /** Sends one event (fields not given take proto defaults). */
  send(fields: Partial<KubeMQEvent>): void {
    this.duplex.write(makeEvent(fields));
  }

  /** Half-closes: the server then ends the stream with OK. */
  end(): void {
    this.duplex.end();
  }
}

/** A bidi call read in order: next() returns each response once. */
export class DuplexReader<Req, Res> extends StreamReader<Res> {
  private cursor = 0;

  constructor(private readonly duplex: ClientDuplexStream<Req, Res>) {
    super(duplex);
  }

  write(request: Req): void {
    this.duplex.write(request);
  }

  /** Half-closes the client side. */
  end(): void {
    this.duplex.end();
  }

  /** The next response not returned yet, waiting up to `timeoutMs` for it. */
  async next(timeoutMs = 5000): Promise<Res> {
    const message = await this.nth(this.cursor, timeoutMs);
    this.cursor += 1;
    return message;
  }

  /** Asserts that no further response arrives within `ms`. */
  async expectNothing(ms: number): Promise<void> {
    await delay(ms);
    assert.equal(this.received.length, this.cursor, 'no further response');
  }
}
