import { EventsStoreData } from './events-store/events-store-data';
import { QueueStore } from './queues/queue-store';

/**
 * What a KubeMQTestBroker keeps across a restart, as a real KubeMQ keeps its
 * `--dir`: the events store (stored events, durable subscription positions)
 * and the queues. Pass `broker.store` to `KubeMQTestBroker.start({ store })`
 * to start a broker that carries on where a stopped one left off. Plain
 * events and pending requests are never kept (they are not on a real server either).
 */
export class KubeMQBrokerStore {
  /** Events-store channels (stored events) and durable subscription positions. */
  readonly eventsStore = new EventsStoreData();
  /** Queue channels (unacknowledged messages, sequences, counters) and delayed messages. */
  readonly queues = new QueueStore();
}
