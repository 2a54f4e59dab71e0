import type { KubeMQEvent, KubeMQEventReceive } from '../kubemq/messages';
import { nuid } from './nuid';
import { SubscriptionRegistry, type Subscriber } from './subscription-registry';

/**
 * Routes plain events (Store=false, §5): fire-and-forget fan-out with the
 * same group rules as requests and wildcard subscriptions. Nobody listening
 * is not an error.
 */
export class EventRouter {
  private readonly events = new SubscriptionRegistry<KubeMQEventReceive>();

  /** Adds an events subscriber; returns its removal. */
  subscribe(subscriber: Subscriber<KubeMQEventReceive>): () => void {
    return this.events.add(subscriber);
  }

  /**
   * Publishes a validated event: assigns an EventID when empty and delivers
   * it as an EventReceive (Timestamp and Sequence "0", as for non-store
   * events). Returns the EventID.
   */
  publish(event: KubeMQEvent): string {
    if (event.EventID === '') event.EventID = nuid();
    const received: KubeMQEventReceive = {
      EventID: event.EventID,
      Channel: event.Channel,
      Metadata: event.Metadata,
      Body: event.Body,
      Timestamp: '0',
      Sequence: '0',
      Tags: event.Tags,
    };
    this.events.dispatch(event.Channel, received);
    return event.EventID;
  }
}
