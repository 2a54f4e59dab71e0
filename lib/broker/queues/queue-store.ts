import { ChannelQueue, type ChannelQueueObserver, type StoredMessage } from './channel-queue';

/** A message sent with DelaySeconds, parked until it is due (the server's `_QUEUE_DELAY_`). */
export interface DelayedMessage {
  /** Unix ns when it moves to its queue (its DelayedTo). */
  readonly dueAt: bigint;
  /** Its target queue is `message.Channel`. */
  readonly message: StoredMessage;
}

/**
 * Told of every change to the queues a restarted broker must see: the
 * channels' messages, and the delayed messages parked (before the sender
 * hears of them) and taken when due.
 */
export interface QueueStoreObserver extends ChannelQueueObserver {
  parked(delayed: DelayedMessage): void;
  unparked(delayed: readonly DelayedMessage[]): void;
}

/**
 * What a broker keeps of its queues across a restart: every channel's
 * unacknowledged messages and counters, and the delayed messages not yet
 * due. Nothing here runs timers or knows about consumers, so a stopped
 * broker's store can be handed to the next one.
 */
export class QueueStore {
  private readonly channels = new Map<string, ChannelQueue>();
  private readonly parked: DelayedMessage[] = [];
  private observer: QueueStoreObserver | undefined;

  /** Reports every change from now on to `observer` (undefined: to nobody). */
  observe(observer: QueueStoreObserver | undefined): void {
    this.observer = observer;
    for (const queue of this.channels.values()) queue.observer = observer;
  }

  /** The channel named `name`, created when missing (as a publish or subscribe creates it). */
  channel(name: string): ChannelQueue {
    let queue = this.channels.get(name);
    if (!queue) {
      queue = new ChannelQueue(name);
      queue.observer = this.observer;
      this.channels.set(name, queue);
    }
    return queue;
  }

  /** The channel named `name`, if it exists. */
  find(name: string): ChannelQueue | undefined {
    return this.channels.get(name);
  }

  /** Every channel, sorted by name. */
  all(): ChannelQueue[] {
    return [...this.channels.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /** Parks a delayed message. */
  park(delayed: DelayedMessage): void {
    this.parked.push(delayed);
    this.observer?.parked(delayed);
  }

  /** The delayed messages not yet due, in the order they were parked. */
  delayed(): readonly DelayedMessage[] {
    return this.parked;
  }

  /** True while delayed messages wait. */
  get hasDelayed(): boolean {
    return this.parked.length > 0;
  }

  /** Removes and returns the delayed messages due at `now`, earliest first. */
  takeDue(now: bigint): DelayedMessage[] {
    const due = this.parked.filter((delayed) => delayed.dueAt <= now);
    if (due.length === 0) return due;
    const rest = this.parked.filter((delayed) => delayed.dueAt > now);
    this.parked.splice(0, this.parked.length, ...rest);
    this.observer?.unparked(due);
    return due.sort((a, b) => (a.dueAt < b.dueAt ? -1 : a.dueAt > b.dueAt ? 1 : 0));
  }

  /** Forgets parked messages that already moved (a restarted broker replaying its journal). */
  dropDelayed(moved: ReadonlySet<DelayedMessage>): void {
    const rest = this.parked.filter((delayed) => !moved.has(delayed));
    this.parked.splice(0, this.parked.length, ...rest);
  }

  /** Puts every held message back in place: nothing is held by a stopped broker. */
  releaseAll(): void {
    for (const queue of this.channels.values()) queue.releaseAll();
  }
}
