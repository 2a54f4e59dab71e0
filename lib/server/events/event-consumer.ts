import { KubeMQContext } from '../../ctx-host/kubemq.context';
import { subscribeChannelError } from '../../kubemq/channel-rules';
import { KubeMQError } from '../../kubemq/kubemq-error';
import { makeSubscribe, SubscribeType, type KubeMQEventReceive } from '../../kubemq/messages';
import { bodyFormatOf, decodeBody } from '../../serializers/body-codec';
import { type ConsumerHost, type ConsumerKind, type KubeMQConsumer } from '../consumer';
import { type HandlerOutcome } from '../handler-runner';
import { deserializeIncoming } from '../incoming-payload';
import { refuseEventsStoreExtras } from '../events-store/events-store-options';
import { type PlannedSubscription } from '../subscription-plan';

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
        onMessage: (event) => void handleEvent(host, entry, event),
      },
    );
    return { stop: () => subscription.cancel() };
  },
};

async function handleEvent(
  host: ConsumerHost,
  entry: PlannedSubscription,
  event: KubeMQEventReceive,
): Promise<void> {
  const done = host.startWork();
  const ctx = KubeMQContext.forEvent(entry.channel, event);
  const span = host.tracing?.start(ctx, entry.group, event.Body.length);
  let outcome: HandlerOutcome | undefined;
  try {
    let data: unknown;
    if (host.serialization) {
      try {
        data = await deserializeIncoming(host.serialization, event.Body, event.Tags, ctx);
      } catch (error) {
        // Plain events are not kept: nothing can be retried, so say what was lost.
        host.logger.error(`Dropped: ${(error as Error).message}`);
        span?.end(error);
        return;
      }
    } else data = decodeBody(event.Body, bodyFormatOf(event.Tags));
    outcome = await host.run(entry.handler, data, ctx, span);
  } finally {
    if (outcome) host.endProcessing(ctx);
    span?.end(outcome && !outcome.ok ? outcome.error : undefined);
    done();
  }
}
