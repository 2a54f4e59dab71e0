import { BaseRpcContext } from '@nestjs/microservices';
import { KubeMQError } from '../kubemq/kubemq-error';
import { type KubeMQEventReceive, type KubeMQRequest, type Tags } from '../kubemq/messages';
import { type QueueMessage } from '../kubemq/queues/queue-messages';
import {
  eventInfo,
  queueMessageInfo,
  requestInfo,
  type KubeMQMessageInfo,
  type KubeMQMessageType,
} from './message-info';
import { type KubeMQQueueMessageInfo, type KubeMQQueueSettlement } from './queue-settlement';

type KubeMQContextArgs = [KubeMQMessageInfo];

/** The tags nestjs-kubemq itself sends (body format, error) start with this. */
const RESERVED_TAG_PREFIX = 'nestjs-kubemq.';

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
  /** Set for the queue messages of a `manualAck` handler. */
  private settlement: KubeMQQueueSettlement | undefined;

  constructor(args: KubeMQContextArgs) {
    super(args);
  }

  /** The context of a command or query received by a subscription to `pattern`. */
  static forRequest(
    type: 'command' | 'query',
    pattern: string,
    request: KubeMQRequest,
  ): KubeMQContext {
    return new KubeMQContext([requestInfo(type, pattern, request)]);
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
    return new KubeMQContext([eventInfo(pattern, event, type)]);
  }

  /**
   * The context of a queue message received from the queue `pattern`;
   * `settlement` is given to `manualAck` handlers only.
   */
  static forQueue(
    pattern: string,
    message: QueueMessage,
    settlement?: KubeMQQueueSettlement,
  ): KubeMQContext {
    const ctx = new KubeMQContext([queueMessageInfo(pattern, message)]);
    ctx.settlement = settlement;
    return ctx;
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

  /**
   * NestJS 12's packet metadata (`ReadPacket.metadata`, what a client's
   * `setOnDispatchHook` attaches), which Nest's TCP and Redis contexts
   * return from `getMetadata()` (here `getMetadata()` is KubeMQ's own
   * Metadata string). It travels as KubeMQ tags, so this is the message's
   * tags without nestjs-kubemq's own (`nestjs-kubemq.*`): a record's
   * `setTags()`, a foreign sender's tags and a `traceparent` included.
   * Undefined when there are none, as in Nest.
   */
  getPacketMetadata(): Record<string, string> | undefined {
    let metadata: Record<string, string> | undefined;
    const tags = this.args[0].tags;
    for (const key in tags) {
      if (key.startsWith(RESERVED_TAG_PREFIX)) continue;
      (metadata ??= {})[key] = tags[key];
    }
    return metadata;
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

  /**
   * Queue messages: how many times KubeMQ has delivered this message, this
   * delivery included (1 the first time; a rejected message comes back with
   * one more). 0 for other kinds.
   */
  getReceiveCount(): number {
    return this.args[0].queue?.receiveCount ?? 0;
  }

  /** Queue messages: true when KubeMQ moved it here from another queue (e.g. a dead letter). */
  isReRouted(): boolean {
    return this.args[0].queue?.reRouted ?? false;
  }

  /** Queue messages: the queue a re-routed message came from ('' when it was not re-routed). */
  getReRoutedFrom(): string {
    return this.args[0].queue?.reRoutedFrom ?? '';
  }

  /** Queue messages: delivery count, re-routing, expiry and dead-letter policy; undefined for other kinds. */
  getQueueInfo(): KubeMQQueueMessageInfo | undefined {
    return this.args[0].queue;
  }

  /**
   * `manualAck` queue handlers: removes the message from the queue. Resolves
   * once KubeMQ has done it; rejects when it cannot (settled already, or the
   * message went back to the queue).
   */
  ack(): Promise<void> {
    return this.settle('ack', (settlement) => settlement.ack());
  }

  /**
   * `manualAck` queue handlers: hands the message back. KubeMQ appends it to
   * the tail of the queue with ReceiveCount + 1, or, past MaxReceiveCount,
   * moves it to the dead-letter queue (or drops it when there is none).
   */
  reject(): Promise<void> {
    return this.settle('reject', (settlement) => settlement.reject());
  }

  /** `manualAck` queue handlers: moves the message to the queue `channel` and removes it here. */
  requeue(channel: string): Promise<void> {
    return this.settle('requeue', (settlement) => settlement.requeue(channel));
  }

  private settle(
    method: string,
    run: (settlement: KubeMQQueueSettlement) => Promise<void>,
  ): Promise<void> {
    if (this.settlement) return run(this.settlement);
    const info = this.args[0];
    const why =
      info.type === 'queue'
        ? `its handler settles it by its outcome; declare the handler with { type: 'queue', manualAck: true } to settle it yourself`
        : `it is ${/^[aeiou]/.test(info.type) ? 'an' : 'a'} ${info.type}, not a queue message`;
    return Promise.reject(
      new KubeMQError(`ctx.${method}() on message ${info.id} of "${info.channel}": ${why}`),
    );
  }
}
