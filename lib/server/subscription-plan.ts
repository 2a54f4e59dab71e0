import { type MessageHandler } from '@nestjs/microservices';
import { subscribeChannelError } from '../kubemq/channel-rules';
import { KubeMQError } from '../kubemq/kubemq-error';
import { SubscribeType } from '../kubemq/messages';
import { type KubeMQHandlerExtras } from './server-kubemq.options';

/** One KubeMQ subscription the server opens for one Nest handler. */
export interface PlannedSubscription {
  kind: 'command' | 'query' | 'event';
  subscribeType: number;
  channel: string;
  group: string;
  handler: MessageHandler;
}

/**
 * Turns Nest's registered handlers into KubeMQ subscriptions. Throws a
 * KubeMQError naming the handler's pattern when a channel is one KubeMQ
 * would refuse, so `listen()` fails before anything is opened.
 */
export function planSubscriptions(
  handlers: Map<string, MessageHandler>,
  defaultGroup: string | undefined,
): PlannedSubscription[] {
  const plan: PlannedSubscription[] = [];
  for (const [channel, handler] of handlers) {
    const extras = (handler.extras ?? {}) as KubeMQHandlerExtras;
    const kind = handler.isEventHandler ? 'event' : extras.type === 'query' ? 'query' : 'command';
    if (
      !handler.isEventHandler &&
      extras.type !== undefined &&
      extras.type !== 'command' &&
      extras.type !== 'query'
    ) {
      throw new KubeMQError(
        `@MessagePattern('${channel}'): type must be 'command' or 'query', got ${JSON.stringify(extras.type)}`,
      );
    }
    const problem = subscribeChannelError(channel);
    if (problem) {
      throw new KubeMQError(`Cannot subscribe to KubeMQ channel "${channel}": ${problem}`);
    }
    plan.push({
      kind,
      subscribeType:
        kind === 'event'
          ? SubscribeType.Events
          : kind === 'query'
            ? SubscribeType.Queries
            : SubscribeType.Commands,
      channel,
      group: extras.group ?? defaultGroup ?? '',
      handler,
    });
  }
  return plan;
}
