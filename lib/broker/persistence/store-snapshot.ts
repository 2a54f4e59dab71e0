import type { KubeMQBrokerStore } from '../broker-store';
import type { DelayedMessage } from '../queues/queue-store';
import type { JournalRecord } from './record-lines';
import {
  eventRecord,
  headerRecord,
  logStartRecord,
  parkedRecord,
  positionRecord,
  queueCountersRecord,
  queueMessageRecord,
} from './store-records';

/**
 * The records that rebuild `store` as it is now: a journal rewritten from
 * them replays to the same logs, positions, queues (messages, then their
 * counters, which override what replaying the messages counted) and
 * delayed messages. `parkedId` numbers each delayed message.
 */
export function* snapshotRecords(
  store: KubeMQBrokerStore,
  parkedId: (delayed: DelayedMessage) => number,
): IterableIterator<JournalRecord> {
  yield headerRecord();
  for (const log of store.eventsStore.logs()) {
    yield logStartRecord(log.channel, log.firstSequence);
    for (const stored of log.kept()) yield eventRecord(stored);
  }
  for (const [key, position] of store.eventsStore.positionEntries()) {
    yield positionRecord(key, position.next);
  }
  for (const queue of store.queues.all()) {
    for (const entry of queue.stored()) yield queueMessageRecord(queue.name, entry.message);
    yield queueCountersRecord(queue.name, queue.counters());
  }
  for (const delayed of store.queues.delayed()) {
    yield parkedRecord(parkedId(delayed), delayed.dueAt, delayed.message);
  }
}
