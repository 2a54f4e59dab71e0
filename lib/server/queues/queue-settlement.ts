import { type KubeMQQueueSettlement } from '../../ctx-host/queue-settlement';
import { KubeMQError } from '../../kubemq/kubemq-error';
import { queueChannelError } from '../../kubemq/queues/queue-channel';
import { type QueueTransaction } from '../../kubemq/queues/queue-transaction';

type Verb = 'ack' | 'reject' | 'requeue';

const PAST: Record<Verb, string> = { ack: 'acked', reject: 'rejected', requeue: 'requeued' };

/**
 * Settles one received queue message, once: through the context for a
 * `manualAck` handler (until the handler returns), or by the consumer after
 * the handler's outcome. A failed settlement leaves the message open while
 * the broker still holds it for us, so it can be settled another way.
 */
export class QueueMessageSettlement implements KubeMQQueueSettlement {
  private outcome: Verb | undefined;
  private running: Promise<void> | undefined;
  private handlerDone = false;
  /** The handler settled (or tried to settle) the message itself. */
  private byItsHandler = false;

  constructor(
    private readonly transaction: QueueTransaction,
    /** e.g. `queue message <id> of "jobs"`, for error messages. */
    readonly what: string,
  ) {}

  /** True while nobody has settled (or is settling) the message and it is still ours. */
  get isOpen(): boolean {
    return !this.outcome && !this.running && !this.transaction.lostReason;
  }

  /** Resolves once the settlement in progress, if any, has finished (never rejects). */
  inProgress(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  /** From now on the handler's own ctx.ack()/reject()/requeue() are refused. */
  handlerReturned(): void {
    this.handlerDone = true;
  }

  ack(): Promise<void> {
    return this.byHandler('ack', () => this.transaction.ack());
  }

  reject(): Promise<void> {
    return this.byHandler('reject', () => this.transaction.reject());
  }

  requeue(channel: string): Promise<void> {
    const problem = typeof channel === 'string' ? queueChannelError(channel) : 'not a string';
    if (problem) {
      return Promise.reject(
        new KubeMQError(`Cannot requeue ${this.what} to ${JSON.stringify(channel)}: ${problem}`),
      );
    }
    return this.byHandler('requeue', () => this.transaction.resend(channel));
  }

  /** Settles the message for the consumer (after the handler returned). */
  settle(verb: 'ack' | 'reject'): Promise<void> {
    return this.run(verb, () =>
      verb === 'ack' ? this.transaction.ack() : this.transaction.reject(),
    );
  }

  private byHandler(verb: Verb, call: () => Promise<void>): Promise<void> {
    if (this.handlerDone && !this.byItsHandler) {
      return Promise.reject(
        new KubeMQError(
          `Cannot ${verb} ${this.what}: its handler had already returned, and what a manualAck handler leaves unsettled is rejected when it returns`,
        ),
      );
    }
    this.byItsHandler = true;
    return this.run(verb, call);
  }

  private run(verb: Verb, call: () => Promise<void>): Promise<void> {
    if (this.outcome) {
      return Promise.reject(
        new KubeMQError(`Cannot ${verb} ${this.what}: it was ${PAST[this.outcome]} already`),
      );
    }
    if (this.running) {
      return Promise.reject(
        new KubeMQError(`Cannot ${verb} ${this.what}: it is being settled already`),
      );
    }
    const lost = this.transaction.lostReason;
    if (lost) return Promise.reject(this.failure(verb, lost));
    const attempt = call().then(
      () => {
        this.outcome = verb;
        this.running = undefined;
      },
      (error: unknown) => {
        this.running = undefined;
        throw this.failure(verb, error);
      },
    );
    this.running = attempt.catch(() => undefined);
    return attempt;
  }

  private failure(verb: Verb, error: unknown): KubeMQError {
    const { message, grpcCode } = error as KubeMQError;
    return new KubeMQError(`Cannot ${verb} ${this.what}: ${message}`, grpcCode, { cause: error });
  }
}
