import { type Tags } from '../kubemq/messages';

/** What a request can be sent as. */
export type KubeMQRequestKind = 'command' | 'query';

/** Per-message options for `ClientKubeMQ.send()` / `emit()`. */
export interface KubeMQRecordOptions {
  /** `'command'` (default) or `'query'`; ignored by `emit()`. */
  type?: KubeMQRequestKind;
  /** This request's timeout in ms, instead of the client's default. */
  timeout?: number;
  /** KubeMQ's Metadata string. */
  metadata?: string;
  /** KubeMQ tags (string to string). */
  tags?: Tags;
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

  /** Send as a `'command'` (the default) or a `'query'`; `emit()` ignores it. */
  setType(type: KubeMQRequestKind): this {
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

  /** The record to pass as `data` to `send()` or `emit()`. */
  build(): KubeMQRecord<TData> {
    return new KubeMQRecord(this.data as TData, { ...this.options });
  }
}
