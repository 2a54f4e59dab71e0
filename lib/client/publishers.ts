import { KubeMQRecord, type KubeMQEmissionKind } from '../record-builders/kubemq.record-builder';
import { publishEvent, type Publisher } from './events/event-publisher';
import { publishStoredEvent } from './events-store/events-store-publisher';
import { publishQueueMessage } from './queues/queue-publisher';

/** The publisher of each kind; one folder per KubeMQ pattern. */
export const PUBLISHERS: Record<KubeMQEmissionKind, Publisher> = {
  event: publishEvent,
  'events-store': publishStoredEvent,
  queue: publishQueueMessage,
};

/**
 * The kind of an `emit()` payload: a record's type (`'command'`/`'query'`
 * records are published as plain events, as before), else a plain event.
 */
export function emissionKindOf(data: unknown): KubeMQEmissionKind {
  if (!(data instanceof KubeMQRecord)) return 'event';
  const type = data.options.type;
  if (type === 'events-store' || type === 'queue') return type;
  return 'event';
}
