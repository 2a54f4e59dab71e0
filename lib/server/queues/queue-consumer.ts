import { type KubeMQError } from '../../kubemq/kubemq-error';
import {
  type ConsumerHost,
  type ConsumerKind,
  type KubeMQConsumer,
  type SubscriptionLifecycle,
} from '../consumer';
import { type PlannedSubscription } from '../subscription-plan';
import { type QueueDeliveryScope } from './queue-delivery';
import { queueHandlerOptions, type QueueHandlerOptions } from './queue-handler-options';
import { QueueLane } from './queue-lane';

/**
 * `@EventPattern('jobs', { type: 'queue' })`: consumes the KubeMQ queue
 * `jobs`, each message in its own StreamQueueMessage transaction, acked only
 * once its handler succeeded (docs/design.md, Queues through Nest).
 */
export const queueConsumer: ConsumerKind = {
  check(entry) {
    queueHandlerOptions(entry);
  },

  open(host, entry): KubeMQConsumer {
    const consumer = new QueueConsumer(host, entry, queueHandlerOptions(entry));
    consumer.start();
    return consumer;
  },
};

/** The `concurrency` lanes of one queue handler, reporting outages once for all of them. */
class QueueConsumer implements KubeMQConsumer, QueueDeliveryScope {
  private readonly lanes: QueueLane[] = [];
  private readonly lifecycle: SubscriptionLifecycle;
  private down = false;
  private refused = false;
  private oversized = false;
  closing = false;

  constructor(
    readonly host: ConsumerHost,
    readonly entry: PlannedSubscription,
    readonly options: QueueHandlerOptions,
  ) {
    this.lifecycle = host.lifecycle(entry.channel);
    const events = {
      onServed: () => this.onServed(),
      onOutage: (error: KubeMQError, retryInMs: number) => this.onOutage(error, retryInMs),
      onRefused: (error: KubeMQError) => this.onRefused(error),
      onOversized: (error: KubeMQError) => this.onOversized(error),
    };
    for (let i = 0; i < options.concurrency; i += 1) this.lanes.push(new QueueLane(this, events));
  }

  start(): void {
    for (const lane of this.lanes) lane.start();
  }

  /** No new receives; handlers already running carry on and settle their messages. */
  stop(): void {
    for (const lane of this.lanes) lane.stop();
  }

  /**
   * After the grace period: hands every message whose handler is still
   * running back to the queue (KubeMQ re-queues it with ReceiveCount + 1).
   */
  close(): Promise<void> {
    this.closing = true;
    const handedBack = this.lanes.filter((lane) => lane.handBack()).length;
    if (handedBack > 0) {
      this.host.logger.warn(
        `Handed ${handedBack} queue message(s) of "${this.entry.channel}" back to the queue: their handlers were still running at close(); KubeMQ delivers them again`,
      );
    }
    return Promise.resolve();
  }

  private onServed(): void {
    this.oversized = false;
    if (!this.down) return;
    this.down = false;
    this.lifecycle.onReconnect?.();
  }

  private onOutage(error: KubeMQError, retryInMs: number): void {
    if (this.down) return;
    this.down = true;
    this.lifecycle.onDisconnect?.(error, retryInMs);
  }

  /** Logged once until a message gets through again: the same message can come back many times. */
  private onOversized(error: KubeMQError): void {
    if (this.oversized) return;
    this.oversized = true;
    this.host.logger.error(
      `A message of the queue "${this.entry.channel}" is larger than maxMessageBytes (${error.message}): KubeMQ puts it back (ReceiveCount + 1) and, past its MaxReceiveCount, moves it to its dead-letter queue or drops it. Raise maxMessageBytes to consume it.`,
    );
  }

  private onRefused(error: KubeMQError): void {
    if (this.refused) return;
    this.refused = true;
    this.stop();
    this.lifecycle.onError?.(error);
  }
}
