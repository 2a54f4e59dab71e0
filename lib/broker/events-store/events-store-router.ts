import type { KubeMQEvent, KubeMQResult, KubeMQSubscribe } from '../../kubemq/messages';
import { nuid } from '../nuid';
import { RETENTION_NS } from './channel-log';
import { Delivery } from './delivery';
import type { EventSink } from './event-sink';
import { durableKey, type EventsStoreData } from './events-store-data';
import { startSequence } from './start-position';
import { nowNanos } from './store-clock';
import { eventsStoreSubscriptionError, isInvalidStanSubject } from './subscribe-checks';

/** An events-store subscription that was opened, or why it was refused. */
export type StoreSubscription = { close: () => void } | { error: string };

/**
 * The events store of one running broker (Store=true events and EventsStore
 * subscriptions, §5): stores each event in its channel's log and feeds the
 * live subscriptions from the logs. The logs and durable positions live in
 * an {@link EventsStoreData} that outlives the broker; what is live (which
 * ClientIDs are subscribed, which deliveries run) belongs to this router.
 * Shared by the gRPC service and the REST face.
 */
export class EventsStoreRouter {
  /** ClientIDs with a live events-store subscription (one each, as STAN allows). */
  private readonly liveClients = new Set<string>();
  /** Running deliveries, by channel, then by durable key. */
  private readonly active = new Map<string, Map<string, Delivery>>();

  constructor(private readonly data: EventsStoreData) {}

  /** True while `clientId` has a live events-store subscription. */
  readonly isClientLive = (clientId: string): boolean => this.liveClients.has(clientId);

  /**
   * Stores a validated Store=true event and hands it to the channel's live
   * subscriptions. Assigns an EventID when empty. As on the real server, an
   * event for a channel STAN cannot name is answered Sent and dropped.
   */
  publish(event: KubeMQEvent): KubeMQResult {
    const eventId = event.EventID === '' ? nuid() : event.EventID;
    if (!isInvalidStanSubject(event.Channel)) {
      this.data.append(event.Channel, {
        EventID: eventId,
        Metadata: event.Metadata,
        Body: event.Body,
        Tags: event.Tags,
      });
      for (const delivery of this.active.get(event.Channel)?.values() ?? []) delivery.pump();
    }
    return { EventID: eventId, Sent: true, Error: '' };
  }

  /** Why this EventsStore subscription would be refused right now, or undefined. */
  subscriptionError(subscribe: KubeMQSubscribe): string | undefined {
    return eventsStoreSubscriptionError(subscribe, this.isClientLive);
  }

  /**
   * Opens an EventsStore subscription feeding `sink`. A ClientID that
   * subscribed to this channel before without a group resumes after the last
   * event it was given, and a queue group resumes the group's position,
   * whatever start position is asked for now (the real server's durable
   * subscriptions); otherwise the start position decides (§5.6).
   * `close()` ends it and frees its ClientID; its position stays stored.
   */
  subscribe(subscribe: KubeMQSubscribe, sink: EventSink): StoreSubscription {
    const problem = this.subscriptionError(subscribe);
    if (problem) return { error: problem };
    const { ClientID, Channel, Group } = subscribe;
    this.liveClients.add(ClientID);
    const key = durableKey(ClientID, Channel, Group);
    const log = this.data.channel(Channel);
    const now = nowNanos();
    log.dropOlderThan(now - RETENTION_NS);
    const position = this.data.position(key, () =>
      startSequence(log, subscribe.EventsStoreTypeData, subscribe.EventsStoreTypeValue, now),
    );
    const delivery = this.deliveryFor(Channel, key, () => new Delivery(log, position));
    const removeMember = delivery.add(sink);
    let closed = false;
    const close = (): void => {
      if (closed) return;
      closed = true;
      removeMember();
      this.liveClients.delete(ClientID);
      if (delivery.isEmpty) this.forget(Channel, key, delivery);
    };
    return { close };
  }

  /** The running delivery of a durable key, started with `create` when there is none. */
  private deliveryFor(channel: string, key: string, create: () => Delivery): Delivery {
    let deliveries = this.active.get(channel);
    if (!deliveries) {
      deliveries = new Map();
      this.active.set(channel, deliveries);
    }
    let delivery = deliveries.get(key);
    if (!delivery) {
      delivery = create();
      deliveries.set(key, delivery);
    }
    return delivery;
  }

  /** Stops waking a delivery whose last member left (its position stays stored). */
  private forget(channel: string, key: string, delivery: Delivery): void {
    const deliveries = this.active.get(channel);
    if (deliveries?.get(key) !== delivery) return;
    deliveries.delete(key);
    if (deliveries.size === 0) this.active.delete(channel);
  }
}
