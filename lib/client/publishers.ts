import { KubeMQError } from '../kubemq/kubemq-error';
import { KubeMQRecord, type KubeMQEmissionKind } from '../record-builders/kubemq.record-builder';
import { publishEvent, type Publisher } from './events/event-publisher';
import { publishQueueMessage } from './queues/queue-publisher';

/** The publisher of each kind; one folder per KubeMQ pattern. */
export const PUBLISHERS: Record<KubeMQEmissionKind, Publisher> = {
  event: publishEvent,
  'events-store': notYet('the events store'),
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

function notYet(what: string): Publisher {
  return ({ channel }) =>
    Promise.reject(new KubeMQError(`Cannot emit to "${channel}": ${what} is not supported yet`));
}
