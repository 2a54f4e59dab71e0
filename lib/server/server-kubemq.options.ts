import { type KubeMQConnectionOptions } from '../kubemq/connection-options';
import { type EventsStoreStart } from '../kubemq/events-store/start-position';
import { type KubeMQSerializationOptions } from '../serializers/kubemq-serializer';

/**
 * Options of {@link ServerKubeMQ}. `serializer` writes query results,
 * `deserializer` reads incoming requests, events, stored events and queue
 * messages (`KubeMQSerializer` / `KubeMQDeserializer` say what they get and return).
 */
export interface KubeMQServerOptions extends KubeMQConnectionOptions, KubeMQSerializationOptions {
  /**
   * Default KubeMQ group of every subscription: each request or event goes
   * to one member of the group (load balancing across replicas). A
   * handler's `{ group }` extra overrides it. Default: no group (every
   * instance receives every message).
   */
  group?: string;
  /**
   * How long `close()` waits for running handlers to finish and send their
   * responses, in ms. Default 10000.
   */
  gracePeriod?: number;
}

/**
 * Extras of `@MessagePattern(channel, extras)` / `@EventPattern(channel, extras)`.
 *
 * @example
 * ```ts
 * @MessagePattern('users.get', { type: 'query', group: 'users' })
 * ```
 */
export interface KubeMQHandlerExtras {
  /**
   * For `@MessagePattern`: subscribe to `'command'`s (default) or `'query'`s.
   * For `@EventPattern`: plain `'event'`s (default), the `'events-store'`, or a `'queue'`.
   */
  type?: 'command' | 'query' | 'event' | 'events-store' | 'queue';
  /** This handler's KubeMQ group, instead of the server's default (not for queues: their consumers always compete). */
  group?: string;
  /**
   * Events store: where this handler's subscription starts reading its
   * channel (default `'new'`). KubeMQ applies it to the first subscription
   * of the handler's ClientID only; later starts with the same server
   * `clientId` resume where the previous run stopped (see the README).
   */
  start?: EventsStoreStart;
  /**
   * Events store: how many events this handler may run at once. Default 1:
   * each event starts after the previous one finished, in sequence order.
   * Queues: how many messages it works on at once, each held in its own
   * KubeMQ transaction (1 to 1024). Default 1, which keeps the queue's order.
   */
  concurrency?: number;
  /**
   * Events store: how many received events may wait for the handler before
   * reading pauses (what the broker sent meanwhile is read again on resume).
   * Default 10000. Grouped subscriptions do not pause.
   */
  maxBuffered?: number;
  /**
   * Events store, without a group: returns the last sequence this handler
   * finished, from the application's own storage (saved with the handler's
   * writes, from `ctx.getSequence()`), when the server starts. The handler
   * then gets exactly the events after it, whatever KubeMQ counted as
   * delivered before a restart; `start` no longer applies once it returns
   * a sequence. Return `undefined` (nothing handled yet) to use `start`.
   */
  resumeAfter?: () => number | undefined | null | Promise<number | undefined | null>;
  /**
   * Queues: seconds KubeMQ hides a received message from other consumers
   * (1 to 43200, default 60). It is extended while the handler runs, so it
   * only bounds how long a consumer that stopped answering keeps a message.
   */
  visibilitySeconds?: number;
  /** Queues: seconds one receive waits for a message before it asks again (1 to 3600, default 5). */
  waitSeconds?: number;
  /**
   * Queues: the handler settles each message itself with `ctx.ack()`,
   * `ctx.reject()` or `ctx.requeue(queue)`; a message left unsettled when it
   * returns is rejected (and logged). Default false: acked when the handler
   * succeeds, rejected when it fails.
   */
  manualAck?: boolean;
}
