import { KubeMQContext } from '../../ctx-host/kubemq.context';
import { type KubeMQEventReceive } from '../../kubemq/messages';
import { bodyFormatOf, decodeBody } from '../../serializers/body-codec';
import { type ConsumerHost } from '../consumer';
import { type HandlerOutcome } from '../handler-runner';
import { deserializeIncoming } from '../incoming-payload';
import { type PlannedSubscription } from '../subscription-plan';

/** What the caller says when an event cannot be handled; a failure is only logged, never retried. */
export interface EventHandling {
  /** 'event' or 'events-store': which the handler's KubeMQContext tells. */
  type: 'event' | 'events-store';
  /** The configured deserializer failed: the event never reaches the handler. */
  onUndecodable(error: Error): void;
  /** The handler failed (its span and processing end after this). */
  onFailed?(error: unknown): void;
}

/**
 * Hands one received event (plain or stored) to its handler inside its
 * trace span: decodes the body, runs the handler, ends processing; `done`
 * ends the event's share of the server's in-flight count.
 */
export async function handleEvent(
  host: ConsumerHost,
  entry: PlannedSubscription,
  event: KubeMQEventReceive,
  done: () => void,
  handling: EventHandling,
): Promise<void> {
  const ctx = KubeMQContext.forEvent(entry.channel, event, handling.type);
  const span = host.tracing?.start(ctx, entry.group, event.Body.length);
  let outcome: HandlerOutcome | undefined;
  try {
    let data: unknown;
    if (host.serialization) {
      try {
        data = await deserializeIncoming(host.serialization, event.Body, event.Tags, ctx);
      } catch (error) {
        handling.onUndecodable(error as Error);
        span?.end(error);
        return;
      }
    } else data = decodeBody(event.Body, bodyFormatOf(event.Tags));
    outcome = await host.run(entry.handler, data, ctx, span);
    if (!outcome.ok) handling.onFailed?.(outcome.error);
  } finally {
    if (outcome) host.endProcessing(ctx);
    span?.end(outcome && !outcome.ok ? outcome.error : undefined);
    done();
  }
}
