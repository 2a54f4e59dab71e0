import { type Tags } from '../kubemq/messages';
import { type KubeMQQueuePolicy } from './queue-policy';

/** What a request can be sent as (`send()`). */
export type KubeMQRequestKind = 'command' | 'query';

/** What an `emit()` publishes: a plain event (default), a stored event, or a queue message. */
export type KubeMQEmissionKind = 'event' | 'events-store' | 'queue';

/** What a record can be sent as. */
export type KubeMQRecordType = KubeMQRequestKind | KubeMQEmissionKind;

/** Per-message options for `ClientKubeMQ.send()` / `emit()`. */
export interface KubeMQRecordOptions {
  /**
   * For `send()`: `'command'` (default) or `'query'`. For `emit()`:
   * `'event'` (default), `'events-store'` or `'queue'` (`'command'` and
   * `'query'` are published as plain events).
   */
  type?: KubeMQRecordType;
  /** This request's timeout in ms, instead of the client's default. */
  timeout?: number;
  /** KubeMQ's Metadata string. */
  metadata?: string;
  /** KubeMQ tags (string to string). */
  tags?: Tags;
  /** Queue messages only: expiration, delay, delivery limit and dead-letter queue. */
  policy?: KubeMQQueuePolicy;
}

/** A payload plus KubeMQ options; build one with {@link KubeMQRecordBuilder}. */
export class KubeMQRecord<TData = unknown> {
  constructor(
    readonly data: TData,
    readonly options: Readonly<KubeMQRecordOptions> = {},
  ) {}
}

/**
 * Builds a {@link KubeMQRecord}.
 *
 * @example
 * ```ts
 * const record = new KubeMQRecordBuilder({ id: 1 })
 *   .setType('query')
 *   .setTimeout(2000)
 *   .setMetadata('lookup')
 *   .setTags({ tenant: 'a' })
 *   .build();
 * client.send('users.get', record);
 * ```
 */
export class KubeMQRecordBuilder<TData = unknown> {
  private options: KubeMQRecordOptions = {};

  constructor(private data?: TData) {}

  /** The payload (JSON, a string or a Buffer). */
  setData(data: TData): this {
    this.data = data;
    return this;
  }

  /**
   * `send()` it as a `'command'` (the default) or a `'query'`; `emit()` it as
   * an `'event'` (the default), to the `'events-store'`, or to a `'queue'`.
   */
  setType(type: KubeMQRecordType): this {
    this.options.type = type;
    return this;
  }

  /** How long to wait for the response, in ms (KubeMQ's Timeout), instead of the client's default. */
  setTimeout(ms: number): this {
    this.options.timeout = ms;
    return this;
  }

  /** KubeMQ's Metadata string, read by handlers with `ctx.getMetadata()`. */
  setMetadata(metadata: string): this {
    this.options.metadata = metadata;
    return this;
  }

  /** KubeMQ tags (copied), read by handlers with `ctx.getTags()`. */
  setTags(tags: Tags): this {
    this.options.tags = { ...tags };
    return this;
  }

  /**
   * Queue messages (`setType('queue')`): expiration, delay, delivery limit
   * and dead-letter queue (copied).
   *
   * @example
   * ```ts
   * new KubeMQRecordBuilder(payment)
   *   .setType('queue')
   *   .setPolicy({ maxReceiveCount: 5, maxReceiveQueue: 'payments-dlq' })
   *   .build();
   * ```
   */
  setPolicy(policy: KubeMQQueuePolicy): this {
    this.options.policy = { ...policy };
    return this;
  }

  /** The record to pass as `data` to `send()` or `emit()`. */
  build(): KubeMQRecord<TData> {
    return new KubeMQRecord(this.data as TData, { ...this.options });
  }
}
