import { BaseRpcContext } from '@nestjs/microservices';
import { type KubeMQEventReceive, type KubeMQRequest, type Tags } from '../kubemq/messages';

/** The kind of KubeMQ message a handler is running for. */
export type KubeMQMessageType = 'command' | 'query' | 'event' | 'events-store' | 'queue';

/** What the context carries about one incoming KubeMQ message. */
export interface KubeMQMessageInfo {
  type: KubeMQMessageType;
  /** The concrete channel the message was sent to. */
  channel: string;
  /** The channel (or wildcard pattern) the handler subscribed to. */
  pattern: string;
  /** RequestID for commands and queries, EventID for events. */
  id: string;
  /** The sender's ClientID (empty for events: KubeMQ does not deliver it). */
  clientId: string;
  /** The sender's Metadata string. */
  metadata: string;
  /**
   * The sender's tags. Messages from nestjs-kubemq senders also carry
   * `nestjs-kubemq.body`, the body format tag the codec reads.
   */
  tags: Tags;
  /** The sender's timeout in ms (0 for events). */
  timeout: number;
  /** Where the response goes (empty for events). */
  replyChannel: string;
  /** The broker's per-channel sequence (uint64 as a decimal string; "0" for commands, queries and plain events). */
  sequence: string;
  /** When the broker stored the message, in Unix nanoseconds as a decimal string ("0" when it did not). */
  timestamp: string;
}

type KubeMQContextArgs = [KubeMQMessageInfo];

/**
 * `@Ctx()` of a KubeMQ handler: the channel, ids, metadata and tags of the
 * message being handled.
 *
 * @example
 * ```ts
 * @MessagePattern('hello-command')
 * hello(@Payload() body: unknown, @Ctx() ctx: KubeMQContext) {
 *   console.log(ctx.getRequestId(), ctx.getMetadata());
 * }
 * ```
 */
export class KubeMQContext extends BaseRpcContext<KubeMQContextArgs> {
  constructor(args: KubeMQContextArgs) {
    super(args);
  }

  /** The context of a command or query received by a subscription to `pattern`. */
  static forRequest(
    type: 'command' | 'query',
    pattern: string,
    request: KubeMQRequest,
  ): KubeMQContext {
    return new KubeMQContext([
      {
        type,
        channel: request.Channel,
        pattern,
        id: request.RequestID,
        clientId: request.ClientID,
        metadata: request.Metadata,
        tags: request.Tags,
        timeout: request.Timeout,
        replyChannel: request.ReplyChannel,
        sequence: '0',
        timestamp: '0',
      },
    ]);
  }

  /**
   * The context of a plain or stored event received by a subscription to
   * `pattern` (KubeMQ does not deliver the sender).
   */
  static forEvent(
    pattern: string,
    event: KubeMQEventReceive,
    type: 'event' | 'events-store' = 'event',
  ): KubeMQContext {
    return new KubeMQContext([
      {
        type,
        channel: event.Channel,
        pattern,
        id: event.EventID,
        clientId: '',
        metadata: event.Metadata,
        tags: event.Tags,
        timeout: 0,
        replyChannel: '',
        sequence: event.Sequence,
        timestamp: event.Timestamp,
      },
    ]);
  }

  /** Everything at once. */
  getMessage(): KubeMQMessageInfo {
    return this.args[0];
  }

  /** `'command'`, `'query'`, `'event'`, `'events-store'` or `'queue'`. */
  getType(): KubeMQMessageType {
    return this.args[0].type;
  }

  /** The concrete channel the message was sent to. */
  getChannel(): string {
    return this.args[0].channel;
  }

  /** The subscribed channel or wildcard pattern that matched. */
  getPattern(): string {
    return this.args[0].pattern;
  }

  /** RequestID (commands, queries) or EventID (events). */
  getRequestId(): string {
    return this.args[0].id;
  }

  /** The sender's ClientID. */
  getClientId(): string {
    return this.args[0].clientId;
  }

  /** The message's Metadata string. */
  getMetadata(): string {
    return this.args[0].metadata;
  }

  /** The message's tags. */
  getTags(): Tags {
    return this.args[0].tags;
  }

  /** The sender's timeout in ms. */
  getTimeout(): number {
    return this.args[0].timeout;
  }

  /** The reply channel the broker assigned to this request. */
  getReplyChannel(): string {
    return this.args[0].replyChannel;
  }

  /**
   * The broker's sequence of a stored event or queue message in its channel
   * (from 1, no gaps); 0 for commands, queries and plain events.
   */
  getSequence(): number {
    return Number(this.args[0].sequence);
  }

  /** When the broker stored the message (events store, queues); undefined when it did not. */
  getTimestamp(): Date | undefined {
    const nanos = this.args[0].timestamp;
    if (nanos === '0' || nanos === '') return undefined;
    return new Date(Number(BigInt(nanos) / 1_000_000n));
  }

  /** {@link getTimestamp} at full precision: Unix nanoseconds as a decimal string ("0" when none). */
  getTimestampNanos(): string {
    return this.args[0].timestamp;
  }
}
