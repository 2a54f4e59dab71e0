import { KubeMQError } from '../kubemq/kubemq-error';
import { type ConsumerKind } from './consumer';
import { eventConsumer } from './events/event-consumer';
import { queueConsumer } from './queues/queue-consumer';
import { requestConsumer } from './rpc/request-consumer';
import { type HandlerKind } from './subscription-plan';

/** How each kind of handler is consumed; one folder per KubeMQ pattern. */
export const CONSUMER_KINDS: Record<HandlerKind, ConsumerKind> = {
  command: requestConsumer,
  query: requestConsumer,
  event: eventConsumer,
  'events-store': notYet('the events store'),
  queue: queueConsumer,
};

function notYet(what: string): ConsumerKind {
  const refuse = (channel: string) =>
    new KubeMQError(`@EventPattern('${channel}'): ${what} is not supported yet`);
  return {
    check: (entry) => {
      throw refuse(entry.channel);
    },
    open: (_host, entry) => {
      throw refuse(entry.channel);
    },
  };
}
