import { subscribeChannelError } from '../../kubemq/channel-rules';
import { KubeMQError } from '../../kubemq/kubemq-error';
import { makeSubscribe, SubscribeType } from '../../kubemq/messages';
import { type ConsumerKind, type KubeMQConsumer } from '../consumer';
import { refuseEventsStoreExtras } from '../events-store/events-store-options';
import { handleEvent } from './handle-event';

/** Plain events: fire-and-forget, each handled as it arrives (KubeMQ keeps no copy to redeliver). */
export const eventConsumer: ConsumerKind = {
  check(entry) {
    refuseEventsStoreExtras(entry);
    const problem = subscribeChannelError(entry.channel);
    if (problem) {
      throw new KubeMQError(`Cannot subscribe to KubeMQ channel "${entry.channel}": ${problem}`);
    }
  },

  open(host, entry): KubeMQConsumer {
    const { connection } = host;
    const subscription = connection.subscribeToEvents(
      makeSubscribe({
        SubscribeTypeData: SubscribeType.Events,
        ClientID: connection.clientId,
        Channel: entry.channel,
        Group: entry.group,
      }),
      {
        ...host.lifecycle(entry.channel),
        onMessage: (event) =>
          void handleEvent(host, entry, event, host.startWork(), {
            type: 'event',
            // Plain events are not kept: nothing can be retried, so say what was lost.
            onUndecodable: (error) => host.logger.error(`Dropped: ${error.message}`),
          }),
      },
    );
    return { stop: () => subscription.cancel() };
  },
};
