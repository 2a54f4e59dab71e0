import { ChannelLog, type EventToStore, type StoredEvent } from './channel-log';

/** Where a durable subscription carries on: the next sequence it is due. */
export interface DurablePosition {
  next: number;
}

/**
 * Told of every stored event before the sender hears of it (the broker's
 * disk store writes it ahead). Durable positions move too often to report
 * one by one; an observer reads them with {@link EventsStoreData.positionEntries}.
 */
export interface EventsStoreObserver {
  stored(event: StoredEvent): void;
}

/**
 * The part of the events store that outlives a broker (kept in
 * KubeMQBrokerStore, as a real server keeps it in its `--dir`): the stored
 * events of every channel and the durable subscription positions.
 */
export class EventsStoreData {
  private readonly channels = new Map<string, ChannelLog>();
  private readonly positions = new Map<string, DurablePosition>();
  private observer: EventsStoreObserver | undefined;

  /** Reports every event stored from now on to `observer` (undefined: to nobody). */
  observe(observer: EventsStoreObserver | undefined): void {
    this.observer = observer;
  }

  /** The log of `channel`, created empty on first use. */
  channel(channel: string): ChannelLog {
    let log = this.channels.get(channel);
    if (!log) {
      log = new ChannelLog(channel);
      this.channels.set(channel, log);
    }
    return log;
  }

  /** Stores an event in its channel's log (next sequence, current time) and reports it. */
  append(channel: string, event: EventToStore): StoredEvent {
    const stored = this.channel(channel).append(event);
    this.observer?.stored(stored);
    return stored;
  }

  /**
   * The durable position stored under `key`; when there is none yet,
   * `start()` gives its first sequence and it is stored from then on.
   */
  position(key: string, start: () => number): DurablePosition {
    let position = this.positions.get(key);
    if (!position) {
      position = { next: start() };
      this.positions.set(key, position);
    }
    return position;
  }

  /** Sets a durable position as a restarted broker found it (not reported). */
  restorePosition(key: string, next: number): void {
    const position = this.positions.get(key);
    if (position) position.next = next;
    else this.positions.set(key, { next });
  }

  /** Every durable position, by key. */
  positionEntries(): IterableIterator<[string, DurablePosition]> {
    return this.positions.entries();
  }

  /** Every channel's log. */
  logs(): IterableIterator<ChannelLog> {
    return this.channels.values();
  }
}

/**
 * The key of a subscription's durable state. The real server names every
 * events-store subscription durably `<channel>-<group>`: without a group the
 * durable belongs to the ClientID (on that channel); with one it is a queue
 * group shared by every member, whatever their ClientIDs.
 */
export function durableKey(clientId: string, channel: string, group: string): string {
  return group === ''
    ? JSON.stringify(['client', clientId, channel])
    : JSON.stringify(['group', channel, group]);
}
