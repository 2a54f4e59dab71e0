import { type MessageHandler } from '@nestjs/microservices';
import { KubeMQError } from '../kubemq/kubemq-error';
import { type KubeMQHandlerExtras } from './server-kubemq.options';

/** The kinds of KubeMQ subscription a Nest handler can stand for. */
export type HandlerKind = 'command' | 'query' | 'event' | 'events-store' | 'queue';

/** What `@MessagePattern` and `@EventPattern` accept as `type`. */
const MESSAGE_KINDS: readonly HandlerKind[] = ['command', 'query'];
const EVENT_KINDS: readonly HandlerKind[] = ['event', 'events-store', 'queue'];

/** One Nest handler and the KubeMQ subscription it stands for. */
export interface PlannedSubscription {
  kind: HandlerKind;
  /** The handler's pattern: the KubeMQ channel (or wildcard pattern). */
  channel: string;
  /** The handler's group, else the server's default, else ''. */
  group: string;
  handler: MessageHandler;
  /** The handler's extras (`@EventPattern(channel, extras)`), for kind-specific options. */
  extras: KubeMQHandlerExtras;
}

/** The decorator a handler was declared with, for error messages. */
export function decoratorOf(entry: Pick<PlannedSubscription, 'handler' | 'channel'>): string {
  const name = entry.handler.isEventHandler ? '@EventPattern' : '@MessagePattern';
  return `${name}('${entry.channel}')`;
}

/**
 * Turns Nest's registered handlers into KubeMQ subscriptions. Throws a
 * KubeMQError naming the handler's pattern when its `type` is unknown, so
 * `listen()` fails before anything is opened.
 */
export function planSubscriptions(
  handlers: Map<string, MessageHandler>,
  defaultGroup: string | undefined,
): PlannedSubscription[] {
  const plan: PlannedSubscription[] = [];
  for (const [channel, handler] of handlers) {
    const extras = (handler.extras ?? {}) as KubeMQHandlerExtras;
    const allowed = handler.isEventHandler ? EVENT_KINDS : MESSAGE_KINDS;
    const kind = (extras.type ?? allowed[0]) as HandlerKind;
    if (!allowed.includes(kind)) {
      throw new KubeMQError(
        `${decoratorOf({ handler, channel })}: type must be ${allowed.map((k) => `'${k}'`).join(', ')}, got ${JSON.stringify(extras.type)}`,
      );
    }
    if (extras.group !== undefined && typeof extras.group !== 'string') {
      throw new KubeMQError(
        `${decoratorOf({ handler, channel })}: group must be a string, got ${JSON.stringify(extras.group)}`,
      );
    }
    plan.push({ kind, channel, group: extras.group ?? defaultGroup ?? '', handler, extras });
  }
  return plan;
}
