import type {
  QueueMessage,
  QueueMessageAttributes,
  QueueMessagePolicy,
} from '../../kubemq/queues/queue-messages';

/** A queue message as stored: Attributes and Policy are always set. */
export interface StoredMessage extends QueueMessage {
  Attributes: QueueMessageAttributes;
  Policy: QueueMessagePolicy;
}

/**
 * One message in a queue, from its publish until it is acknowledged.
 * `message.Attributes.ReceiveCount` is the stored count (deliveries before
 * the last return to the queue); each delivery shows it plus one.
 */
export interface QueueEntry {
  readonly sequence: number;
  readonly message: StoredMessage;
  /** Handed to a consumer and not settled yet: other consumers skip it. */
  held: boolean;
  /** Delivered at least once (for the Delivered statistic). */
  delivered: boolean;
}

/**
 * Told of every change to the stored queues that a restarted broker must
 * see (the broker's disk store writes them ahead). `appended` and `parked`
 * are called before the sender hears of the message.
 */
export interface ChannelQueueObserver {
  /** A message was stored under `entry.sequence`. */
  appended(queue: string, entry: QueueEntry): void;
  /** The message with this sequence left its queue (acked, expired, moved). */
  removed(queue: string, sequence: number): void;
  /** The queue got its first consumer. */
  subscribed(queue: string): void;
}

/** A queue's counters, as a restarted broker must find them. */
export interface ChannelCounters {
  first: number;
  last: number;
  sent: number;
  bytes: number;
  delivered: number;
  subscribed: boolean;
}

/**
 * The stored contents of one queue channel: the messages not yet
 * acknowledged, in sequence order, and the channel's counters. Pure data,
 * kept in the broker's store across restarts; delivery is QueueEngine's job.
 */
export class ChannelQueue {
  /** Unacknowledged messages, in sequence order (sequences grow on append). */
  private entries: QueueEntry[] = [];
  private last = 0;
  private first = 0;
  private sentCount = 0;
  private byteCount = 0;
  private deliveredCount = 0;
  private hasSubscribed = false;
  /** Set by the QueueStore while a disk store keeps it. */
  observer: ChannelQueueObserver | undefined;

  constructor(readonly name: string) {}

  /** Stores `message` under the next sequence, stamping Sequence and Timestamp. */
  append(message: StoredMessage, timestampNs: bigint): QueueEntry {
    message.Attributes.Sequence = String(this.last + 1);
    message.Attributes.Timestamp = String(timestampNs);
    const entry = this.push(message, this.last + 1);
    this.observer?.appended(this.name, entry);
    return entry;
  }

  /**
   * Puts back a message a restarted broker read from disk, under its stored
   * sequence, which must come after every other. Returns false, storing
   * nothing, when it does not.
   */
  restore(message: StoredMessage): boolean {
    const sequence = Number(message.Attributes.Sequence);
    if (!Number.isSafeInteger(sequence) || sequence <= this.last) return false;
    this.push(message, sequence);
    return true;
  }

  private push(message: StoredMessage, sequence: number): QueueEntry {
    this.last = sequence;
    if (this.first === 0) this.first = sequence;
    const entry: QueueEntry = { sequence, message, held: false, delivered: false };
    this.entries.push(entry);
    this.sentCount += 1;
    this.byteCount += approximateSize(message);
    return entry;
  }

  /** The ready (not held) message with the lowest sequence. */
  nextReady(): QueueEntry | undefined {
    return this.entries.find((entry) => !entry.held);
  }

  /** Removes an acknowledged (or expired, or moved) message. */
  remove(entry: QueueEntry): void {
    const index = this.entries.indexOf(entry);
    if (index < 0) return;
    this.entries.splice(index, 1);
    this.observer?.removed(this.name, entry.sequence);
  }

  /** Removes the message with this sequence, if stored (a restarted broker replaying an ack). */
  removeSequence(sequence: number): void {
    let low = 0;
    let high = this.entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.entries[middle].sequence < sequence) low = middle + 1;
      else high = middle;
    }
    if (this.entries[low]?.sequence === sequence) this.entries.splice(low, 1);
  }

  /** The stored messages, in sequence order. */
  stored(): readonly QueueEntry[] {
    return this.entries;
  }

  /** The counters a restarted broker must carry on from. */
  counters(): ChannelCounters {
    return {
      first: this.first,
      last: this.last,
      sent: this.sentCount,
      bytes: this.byteCount,
      delivered: this.deliveredCount,
      subscribed: this.hasSubscribed,
    };
  }

  /** Sets the counters as a restarted broker read them (after the messages they cover). */
  restoreCounters(counters: ChannelCounters): void {
    this.first = counters.first;
    this.last = Math.max(this.last, counters.last);
    this.sentCount = counters.sent;
    this.byteCount = counters.bytes;
    this.deliveredCount = counters.delivered;
    this.hasSubscribed = counters.subscribed;
  }

  /** Counts a first delivery of `entry`. */
  markDelivered(entry: QueueEntry): void {
    if (entry.delivered) return;
    entry.delivered = true;
    this.deliveredCount += 1;
  }

  /** Records that a consumer subscribed (the real server keeps a durable consumer from then on). */
  markSubscribed(): void {
    if (this.hasSubscribed) return;
    this.hasSubscribed = true;
    this.observer?.subscribed(this.name);
  }

  /** Every held message back to ready, in place (a stopped broker's store). */
  releaseAll(): void {
    for (const entry of this.entries) entry.held = false;
  }

  /** The channel's statistics, as QueuesInfo reports them. */
  stats(): ChannelStats {
    return {
      messages: this.last === 0 ? 0 : this.last - this.first + 1,
      bytes: this.byteCount,
      firstSequence: this.first,
      lastSequence: this.last,
      sent: this.sentCount,
      delivered: this.deliveredCount,
      waiting: this.entries.length,
      subscribers: this.hasSubscribed ? 1 : 0,
    };
  }
}

/** What QueuesInfo reports for one channel. */
export interface ChannelStats {
  messages: number;
  bytes: number;
  firstSequence: number;
  lastSequence: number;
  sent: number;
  delivered: number;
  waiting: number;
  subscribers: number;
}

/** Roughly what the message takes in the store: its payload plus a fixed record overhead. */
function approximateSize(message: StoredMessage): number {
  const RECORD_OVERHEAD = 100;
  let size = RECORD_OVERHEAD + message.Body.length + message.Metadata.length;
  size += message.MessageID.length + message.ClientID.length + message.Channel.length;
  for (const [key, value] of Object.entries(message.Tags)) size += key.length + value.length;
  return size;
}
