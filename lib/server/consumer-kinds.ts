import { type ConsumerKind } from './consumer';
import { eventConsumer } from './events/event-consumer';
import { eventsStoreConsumer } from './events-store/events-store-consumer';
import { queueConsumer } from './queues/queue-consumer';
import { requestConsumer } from './rpc/request-consumer';
import { type HandlerKind } from './subscription-plan';

/** How each kind of handler is consumed; one folder per KubeMQ pattern. */
export const CONSUMER_KINDS: Record<HandlerKind, ConsumerKind> = {
  command: requestConsumer,
  query: requestConsumer,
  event: eventConsumer,
  'events-store': eventsStoreConsumer,
  queue: queueConsumer,
};
