import type { KubeMQEventReceive } from '../../kubemq/messages';
import { advanceStoreClock, storeTimestamp } from './store-clock';

/** How long a stored event is kept: KubeMQ's `Store.MaxRetention` default (1440 min). */
export const RETENTION_NS = 24n * 60n * 60n * 1_000_000_000n;

/** One stored event: what subscribers receive, and its store time as a number to search on. */
export interface StoredEvent {
  readonly receive: KubeMQEventReceive;
  readonly at: bigint;
}

/** What a sender gives; the log adds Channel, Sequence and Timestamp. */
export type EventToStore = Pick<KubeMQEventReceive, 'EventID' | 'Metadata' | 'Body' | 'Tags'>;

/**
 * The stored events of one events-store channel, in order: sequences start
 * at 1 and have no gaps; events older than the retention are dropped from
 * the front, as the real server's store does.
 */
export class ChannelLog {
  /** events[head] has sequence `first`; slots before head are expired and compacted lazily. */
  private events: StoredEvent[] = [];
  private head = 0;
  private first = 1;

  constructor(readonly channel: string) {}

  /** Sequence of the oldest event kept (lastSequence + 1 when none is kept). */
  get firstSequence(): number {
    return this.first;
  }

  /** Sequence of the newest event (0 before the first one). */
  get lastSequence(): number {
    return this.first + this.events.length - this.head - 1;
  }

  /** Stores an event with the next sequence and the current time. */
  append(event: EventToStore): StoredEvent {
    const at = storeTimestamp();
    this.dropOlderThan(at - RETENTION_NS);
    const stored: StoredEvent = {
      at,
      receive: {
        EventID: event.EventID,
        Channel: this.channel,
        Metadata: event.Metadata,
        Body: event.Body,
        Timestamp: at.toString(),
        Sequence: String(this.lastSequence + 1),
        Tags: event.Tags,
      },
    };
    this.events.push(stored);
    return stored;
  }

  /**
   * Puts back an event a restarted broker read from disk: it must be the
   * next sequence (the first one sets where the log starts). Returns false,
   * storing nothing, when it is not.
   */
  restore(stored: StoredEvent): boolean {
    const sequence = Number(stored.receive.Sequence);
    if (this.events.length === this.head) {
      this.events = [];
      this.head = 0;
      this.first = sequence;
    } else if (sequence !== this.lastSequence + 1) {
      return false;
    }
    this.events.push(stored);
    advanceStoreClock(stored.at);
    return true;
  }

  /** Where an empty log carries on numbering (a restarted broker's log whose events all expired). */
  continueAt(sequence: number): void {
    if (this.events.length === this.head && sequence > this.first) this.first = sequence;
  }

  /** The events kept, oldest first. */
  *kept(): IterableIterator<StoredEvent> {
    for (let i = this.head; i < this.events.length; i += 1) yield this.events[i];
  }

  /** The event with this sequence, or undefined when it is not (or no longer) stored. */
  at(sequence: number): StoredEvent | undefined {
    if (sequence < this.first) return undefined;
    return this.events[this.head + sequence - this.first];
  }

  /** Sequence of the first event stored strictly after `time` (lastSequence + 1 when none). */
  firstAfter(time: bigint): number {
    let low = this.head;
    let high = this.events.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.events[middle].at > time) high = middle;
      else low = middle + 1;
    }
    return this.first + low - this.head;
  }

  /** Drops the events stored at or before `time` (retention). */
  dropOlderThan(time: bigint): void {
    const oldest = this.events[this.head];
    if (!oldest || oldest.at > time) return;
    const expired = this.firstAfter(time) - this.first;
    this.head += expired;
    this.first += expired;
    // Compact once the dead prefix outweighs the live part, so each event is copied O(1) times.
    if (this.head > this.events.length - this.head) {
      this.events = this.events.slice(this.head);
      this.head = 0;
    }
  }
}
