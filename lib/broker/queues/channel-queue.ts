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

  constructor(readonly name: string) {}

  /** Stores `message` under the next sequence, stamping Sequence and Timestamp. */
  append(message: StoredMessage, timestampNs: bigint): QueueEntry {
    this.last += 1;
    if (this.first === 0) this.first = this.last;
    message.Attributes.Sequence = String(this.last);
    message.Attributes.Timestamp = String(timestampNs);
    const entry: QueueEntry = { sequence: this.last, message, held: false, delivered: false };
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
    if (index >= 0) this.entries.splice(index, 1);
  }

  /** Counts a first delivery of `entry`. */
  markDelivered(entry: QueueEntry): void {
    if (entry.delivered) return;
    entry.delivered = true;
    this.deliveredCount += 1;
  }

  /** Records that a consumer subscribed (the real server keeps a durable consumer from then on). */
  markSubscribed(): void {
    this.hasSubscribed = true;
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
