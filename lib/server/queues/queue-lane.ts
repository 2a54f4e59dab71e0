import { status as GrpcStatus } from '@grpc/grpc-js';
import {
  DEFAULT_RECONNECT_DELAY_MS,
  DEFAULT_RECONNECT_MAX_DELAY_MS,
} from '../../kubemq/connection-options';
import { KubeMQError } from '../../kubemq/kubemq-error';
import { isPermanentQueueRefusal } from '../../kubemq/refusals';
import { QueueTransaction } from '../../kubemq/queues/queue-transaction';
import { deliverQueueMessage, type QueueDeliveryScope } from './queue-delivery';

/** How long a lane of a `concurrency: 1` consumer waits for its last transaction to end. */
const PREVIOUS_END_WAIT_MS = 2_000;

/** What a lane reports to its consumer. */
export interface QueueLaneEvents {
  /** A receive was answered (a message or an empty wait): the broker serves us. */
  onServed(): void;
  /** A receive failed in a way a retry may fix; the lane retries after `retryInMs`. */
  onOutage(error: KubeMQError, retryInMs: number): void;
  /** The broker refused the receive in a way no retry fixes; the lane has stopped. */
  onRefused(error: KubeMQError): void;
  /**
   * A message was larger than `maxMessageBytes`: grpc-js ended the
   * transaction for it, and KubeMQ puts the message back (ReceiveCount + 1).
   */
  onOversized(error: KubeMQError): void;
}

/**
 * One of a queue consumer's `concurrency` lanes: it receives one message at
 * a time in its own KubeMQ transaction, runs the handler, settles the
 * message, then receives the next. N lanes = at most N messages held and N
 * handlers running; one lane keeps the queue's order.
 */
export class QueueLane {
  private transaction: QueueTransaction | undefined;
  private holding = false;
  private stopped = false;
  private wake: (() => void) | undefined;
  private attempt = 0;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly scope: QueueDeliveryScope,
    private readonly events: QueueLaneEvents,
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  /** Takes no new message: a receive still waiting is cancelled, a held message is kept. */
  stop(): void {
    this.stopped = true;
    this.wake?.();
    if (!this.holding) this.transaction?.abandon();
  }

  /** Hands a message still held (its handler still running) back to the queue. Returns true if there was one. */
  handBack(): boolean {
    this.stop();
    const transaction = this.transaction;
    if (!this.holding || !transaction || transaction.isSettled) return false;
    transaction.abandon();
    return true;
  }

  private async run(): Promise<void> {
    const { host, entry, options } = this.scope;
    while (!this.stopped) {
      let message;
      try {
        if (options.concurrency === 1) await this.previousEnded();
        if (this.stopped) break;
        const transaction = new QueueTransaction(host.connection, {
          channel: entry.channel,
          clientId: host.connection.clientId,
          visibilitySeconds: options.visibilitySeconds,
          waitSeconds: options.waitSeconds,
        });
        this.transaction = transaction;
        message = await transaction.receive();
        if (transaction.emptyReason !== 'abandoned') this.events.onServed();
        this.attempt = 0;
        if (!message) continue;
        if (this.stopped) {
          // Stopped while the message was on its way: it goes back to the queue untouched.
          transaction.abandon();
          continue;
        }
        this.holding = true;
        await deliverQueueMessage(this.scope, transaction, message);
      } catch (error) {
        if (this.stopped) break;
        const failure = error instanceof KubeMQError ? error : KubeMQError.fromGrpc(error as Error);
        if (isPermanentQueueRefusal(failure)) {
          this.stopped = true;
          this.events.onRefused(failure);
          break;
        }
        if (failure.grpcCode === GrpcStatus.RESOURCE_EXHAUSTED) {
          // Not an outage; a pause keeps a huge message from being fetched back to back.
          this.events.onOversized(failure);
          await this.pause(this.scope.host.options.reconnectDelay ?? DEFAULT_RECONNECT_DELAY_MS);
          continue;
        }
        await this.backoff(failure);
      } finally {
        this.holding = false;
      }
    }
    this.transaction = undefined;
  }

  /**
   * One lane alone keeps the queue's order only if each transaction has
   * ended before the next receive: KubeMQ Community closes a transaction's
   * internal subscription a few ms after its stream, and a message it pushes
   * there meanwhile comes back late (docs/design.md, Queues through Nest).
   */
  private previousEnded(): Promise<void> {
    const previous = this.transaction;
    if (!previous) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, PREVIOUS_END_WAIT_MS);
      previous.onEnd(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private backoff(error: KubeMQError): Promise<void> {
    const { reconnectDelay, reconnectMaxDelay } = this.scope.host.options;
    const base = reconnectDelay ?? DEFAULT_RECONNECT_DELAY_MS;
    const max = reconnectMaxDelay ?? DEFAULT_RECONNECT_MAX_DELAY_MS;
    const delay = Math.min(max, base * 2 ** Math.min(this.attempt, 16));
    this.attempt += 1;
    this.events.onOutage(error, delay);
    return this.pause(delay);
  }

  /** Waits `delay` ms, or less when the lane is stopped. */
  private pause(delay: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, delay);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }
}
