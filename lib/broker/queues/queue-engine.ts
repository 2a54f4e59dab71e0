import {
  makeQueueAttributes,
  makeQueuePolicy,
  type QueueMessage,
} from '../../kubemq/queues/queue-messages';
import type { ChannelQueue, QueueEntry, StoredMessage } from './channel-queue';
import { nanosAfter, nowNanos } from './queue-clock';
import { QueueLimits } from './queue-limits';
import { publishError } from './queue-names';
import type { QueuePublisher } from './queue-send';
import type { QueueStore } from './queue-store';

/** A message handed to a consumer, held for it until it is settled. */
export interface Delivery {
  readonly queue: ChannelQueue;
  readonly entry: QueueEntry;
  /** What the consumer sees: the stored message with ReceiveCount + 1. */
  readonly message: QueueMessage;
}

/** Something that takes messages from a queue: a pull, AckAll, a stream or downstream receive. */
export interface QueueConsumer {
  /** Takes one delivered message (now held for this consumer). */
  accept(delivery: Delivery): void;
  /** False once it wants no more messages. */
  readonly wantsMore: boolean;
  /** A message that had expired when its turn came: consumed silently and counted here. */
  expired?(): void;
}

interface Subscription {
  readonly consumer: QueueConsumer;
  active: boolean;
}

/**
 * The running side of the broker's queues (§6.2): one FIFO cursor per
 * channel shared by every consumer, delivery with expiry and dead-letter
 * checks, settlement (ack, release in place, return to the tail), and the
 * delay timer. The messages themselves live in the QueueStore, which
 * outlives this engine when the broker restarts.
 */
export class QueueEngine implements QueuePublisher {
  private readonly subscriptions = new Map<string, Subscription[]>();
  private readonly drainSoon = new Set<string>();
  private delayTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(readonly store: QueueStore) {
    if (store.hasDelayed) this.startDelayTimer();
  }

  /** Stores a prepared message in its queue, or parks it when delayed. */
  publish(message: StoredMessage): string | undefined {
    if (message.Attributes.DelayedTo !== '0') {
      // Parked messages are published for real when due; a bad name only fails then.
      this.store.park({ dueAt: BigInt(message.Attributes.DelayedTo), message });
      this.startDelayTimer();
      return undefined;
    }
    const failure = publishError(message.Channel);
    if (failure) return failure;
    this.append(message.Channel, message);
    return undefined;
  }

  /**
   * Adds a consumer of `channel`; it gets ready messages in sequence order,
   * taking turns with the channel's other consumers. Returns its removal.
   */
  subscribe(channel: string, consumer: QueueConsumer): () => void {
    const queue = this.store.channel(channel);
    queue.markSubscribed();
    const subscription: Subscription = { consumer, active: true };
    const list = this.subscriptions.get(channel) ?? [];
    list.push(subscription);
    this.subscriptions.set(channel, list);
    this.wake(channel);
    return () => {
      subscription.active = false;
      const index = list.indexOf(subscription);
      if (index >= 0) list.splice(index, 1);
      if (list.length === 0 && this.subscriptions.get(channel) === list) {
        this.subscriptions.delete(channel);
      }
    };
  }

  /** Settles a delivery for good. */
  ack(delivery: Delivery): void {
    delivery.queue.remove(delivery.entry);
  }

  /** Gives a delivery back in place, unchanged (peek, downstream close). */
  release(delivery: Delivery): void {
    delivery.entry.held = false;
    this.wake(delivery.queue.name);
  }

  /**
   * Returns a delivery to its queue as a copy at the tail with a new
   * sequence, counting this delivery (reject, visibility expiry, NAck, an
   * abandoned stream), or dead-letters it once it has reached MaxReceiveCount.
   */
  returnToQueue(delivery: Delivery): void {
    const { queue, entry } = delivery;
    queue.remove(entry);
    const message = entry.message;
    const count = message.Attributes.ReceiveCount + 1;
    const max = message.Policy.MaxReceiveCount;
    if (max > 0 && count >= max) return this.deadLetter(queue.name, message);
    this.append(queue.name, {
      ...message,
      Attributes: { ...message.Attributes, ReceiveCount: count },
    });
  }

  /** Stops the delay timer and puts every held message back in place. */
  stop(): void {
    this.stopped = true;
    clearInterval(this.delayTimer);
    this.delayTimer = undefined;
    this.subscriptions.clear();
    this.store.releaseAll();
  }

  private append(channel: string, message: StoredMessage): void {
    this.store.channel(channel).append(message, nowNanos());
    this.wake(channel);
  }

  /**
   * A message over MaxReceiveCount moves to MaxReceiveQueue as a re-routed
   * copy with an all-zero Policy and a fresh ReceiveCount, or is dropped.
   */
  private deadLetter(from: string, message: StoredMessage): void {
    const target = message.Policy.MaxReceiveQueue;
    if (target === '' || publishError(target)) return;
    const { ExpirationAt, DelayedTo } = message.Attributes;
    this.append(target, {
      ...message,
      Channel: target,
      Attributes: makeQueueAttributes({
        ReRouted: true,
        ReRoutedFromQueue: from,
        ExpirationAt,
        DelayedTo,
      }),
      Policy: makeQueuePolicy(),
    });
  }

  /** Delivers on a microtask, so a consumer's own settlement never re-enters a delivery. */
  private wake(channel: string): void {
    if (this.stopped || this.drainSoon.has(channel)) return;
    this.drainSoon.add(channel);
    queueMicrotask(() => {
      this.drainSoon.delete(channel);
      if (!this.stopped) this.drain(channel);
    });
  }

  private drain(channel: string): void {
    const list = this.subscriptions.get(channel);
    const queue = this.store.find(channel);
    if (!list || !queue) return;
    while (list.length > 0) {
      const subscription = list[0];
      if (!subscription.active || !subscription.consumer.wantsMore) {
        list.shift();
        continue;
      }
      const entry = queue.nextReady();
      if (!entry) return;
      const { Attributes, Policy } = entry.message;
      if (Attributes.ExpirationAt !== '0' && BigInt(Attributes.ExpirationAt) < nowNanos()) {
        queue.remove(entry);
        subscription.consumer.expired?.();
        continue;
      }
      if (Policy.MaxReceiveCount > 0 && Attributes.ReceiveCount + 1 > Policy.MaxReceiveCount) {
        queue.remove(entry);
        this.deadLetter(channel, entry.message);
        continue;
      }
      entry.held = true;
      queue.markDelivered(entry);
      list.shift();
      subscription.consumer.accept({ queue, entry, message: deliveredCopy(entry.message) });
      // Consumers take turns, one message at a time.
      if (subscription.active && subscription.consumer.wantsMore) list.push(subscription);
    }
  }

  private startDelayTimer(): void {
    if (this.delayTimer || this.stopped) return;
    this.delayTimer = setInterval(() => this.moveDueMessages(), QueueLimits.delayCheckMs);
    this.delayTimer.unref();
  }

  /**
   * Due delayed messages go to their queue as new messages: fresh
   * attributes (no DelayedTo), expiry counted again from now, DelaySeconds 0.
   */
  private moveDueMessages(): void {
    const now = nowNanos();
    for (const { message } of this.store.takeDue(now)) {
      if (publishError(message.Channel)) continue;
      const expiration = message.Policy.ExpirationSeconds;
      this.append(message.Channel, {
        ...message,
        Attributes: makeQueueAttributes({
          ExpirationAt: expiration > 0 ? String(nanosAfter(now, expiration)) : '0',
        }),
        Policy: { ...message.Policy, DelaySeconds: 0 },
      });
    }
    if (!this.store.hasDelayed) {
      clearInterval(this.delayTimer);
      this.delayTimer = undefined;
    }
  }
}

/** The message as a consumer sees it: this delivery counted in ReceiveCount. */
function deliveredCopy(message: StoredMessage): QueueMessage {
  return {
    ...message,
    Attributes: { ...message.Attributes, ReceiveCount: message.Attributes.ReceiveCount + 1 },
    Policy: { ...message.Policy },
  };
}
