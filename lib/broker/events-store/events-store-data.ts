import { ChannelLog } from './channel-log';

/** Where a durable subscription carries on: the next sequence it is due. */
export interface DurablePosition {
  next: number;
}

/**
 * The part of the events store that outlives a broker (kept in
 * KubeMQBrokerStore, as a real server keeps it in its `--dir`): the stored
 * events of every channel and the durable subscription positions.
 */
export class EventsStoreData {
  private readonly channels = new Map<string, ChannelLog>();
  private readonly positions = new Map<string, DurablePosition>();

  /** The log of `channel`, created empty on first use. */
  channel(channel: string): ChannelLog {
    let log = this.channels.get(channel);
    if (!log) {
      log = new ChannelLog(channel);
      this.channels.set(channel, log);
    }
    return log;
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
