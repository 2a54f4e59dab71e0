import { type KubeMQConnectionOptions } from '../kubemq/connection-options';
import { type EventsStoreStart } from '../kubemq/events-store/start-position';

/** Options of {@link ServerKubeMQ}. */
export interface KubeMQServerOptions extends KubeMQConnectionOptions {
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
  /** This handler's KubeMQ group, instead of the server's default. */
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
}
