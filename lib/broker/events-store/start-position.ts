import { EventsStoreType } from '../../kubemq/messages';
import type { ChannelLog } from './channel-log';

const NS_PER_SECOND = 1_000_000_000n;

/**
 * The first sequence a new (non-resumed) subscription is due, from its
 * EventsStoreTypeData and EventsStoreTypeValue (§5.6), given the channel's
 * stored range. `lastSequence + 1` means "only events stored from now on".
 */
export function startSequence(log: ChannelLog, type: number, value: string, now: bigint): number {
  const newOnly = log.lastSequence + 1;
  switch (type) {
    case EventsStoreType.StartFromFirst:
      return log.firstSequence;
    case EventsStoreType.StartFromLast:
      return Math.max(log.firstSequence, log.lastSequence);
    case EventsStoreType.StartAtSequence: {
      const sequence = BigInt(value);
      if (sequence < BigInt(log.firstSequence)) return log.firstSequence;
      return sequence > BigInt(log.lastSequence) ? newOnly : Number(sequence);
    }
    case EventsStoreType.StartAtTime:
      // Strictly after: the real server skips an event stored at exactly that time.
      return log.firstAfter(BigInt(value));
    case EventsStoreType.StartAtTimeDelta:
      return log.firstAfter(now - BigInt(value) * NS_PER_SECOND);
    default:
      // StartNewOnly, and values outside the enum, which the server does not reject.
      return newOnly;
  }
}
