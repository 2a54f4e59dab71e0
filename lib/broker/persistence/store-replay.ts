import { RETENTION_NS } from '../events-store/channel-log';
import { nowNanos } from '../events-store/store-clock';
import type { KubeMQBrokerStore } from '../broker-store';
import type { DelayedMessage } from '../queues/queue-store';
import type { ReadRecord } from './record-lines';
import {
  count,
  decimal,
  JOURNAL_FORMAT,
  JOURNAL_VERSION,
  readCounters,
  readEvent,
  readMessage,
  text,
} from './store-records';

/**
 * Rebuilds a broker's store from its journal's records, in order: the
 * events-store logs and positions, the queues and the parked delayed
 * messages. A record that does not fit (a broken shape, a sequence out of
 * order) is skipped with a warning naming its line; the rest still counts.
 * Throws only when the file is not a journal this version can read.
 */
export function replayJournal(
  store: KubeMQBrokerStore,
  records: readonly ReadRecord[],
  warn: (line: number, problem: string) => void,
): void {
  if (records.length > 0 && (records[0].line !== 1 || records[0].record.t !== 'h')) {
    throw new JournalFormatError('its first line is not a broker store header');
  }
  const parked = new Map<number, DelayedMessage>();
  const taken = new Set<DelayedMessage>();
  for (const { line, record } of records) {
    try {
      switch (record.t) {
        case 'h':
          checkHeader(record.format, record.v);
          break;
        case 'e': {
          const stored = readEvent(record);
          const log = store.eventsStore.channel(stored.receive.Channel);
          if (!log.restore(stored)) {
            warn(
              line,
              `event sequence ${stored.receive.Sequence} does not follow ${log.lastSequence}`,
            );
          }
          break;
        }
        case 'ec':
          store.eventsStore.channel(text(record, 'c')).continueAt(count(record, 'first'));
          break;
        case 'p':
          store.eventsStore.restorePosition(text(record, 'k'), count(record, 'n'));
          break;
        case 'q': {
          const message = readMessage(record);
          const queue = store.queues.channel(text(record, 'c'));
          if (!queue.restore(message)) {
            warn(line, `queue message sequence ${message.Attributes.Sequence} is out of order`);
          }
          break;
        }
        case 'qd':
          store.queues.channel(text(record, 'c')).removeSequence(count(record, 's'));
          break;
        case 'qs':
          store.queues.channel(text(record, 'c')).markSubscribed();
          break;
        case 'qc':
          store.queues.channel(text(record, 'c')).restoreCounters(readCounters(record));
          break;
        case 'd': {
          const delayed = { dueAt: BigInt(decimal(record, 'due')), message: readMessage(record) };
          parked.set(count(record, 'id'), delayed);
          store.queues.park(delayed);
          break;
        }
        case 'du':
          for (const id of Array.isArray(record.ids) ? record.ids : []) {
            const delayed = parked.get(id as number);
            if (delayed) taken.add(delayed);
          }
          break;
        default:
          warn(line, `unknown record type "${record.t}"`);
      }
    } catch (error) {
      if (error instanceof JournalFormatError) throw error;
      warn(line, `a "${record.t}" record that does not fit: ${(error as Error).message}`);
    }
  }
  if (taken.size > 0) store.queues.dropDelayed(taken);
  const horizon = nowNanos() - RETENTION_NS;
  for (const log of store.eventsStore.logs()) log.dropOlderThan(horizon);
}

/** The journal was written by something else, or by a newer version. */
export class JournalFormatError extends Error {}

function checkHeader(format: unknown, version: unknown): void {
  if (format !== JOURNAL_FORMAT) {
    throw new JournalFormatError(
      `it is not a nestjs-kubemq broker store (format ${String(format)})`,
    );
  }
  if (version !== JOURNAL_VERSION) {
    throw new JournalFormatError(
      `it was written in format version ${String(version)}; this version reads ${JOURNAL_VERSION}`,
    );
  }
}
