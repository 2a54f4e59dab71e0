import { type Tags } from '../../kubemq/messages';
import { type KubeMQRecordOptions } from '../../record-builders/kubemq.record-builder';

/** Options of `sendToQueue()` and `sendQueueBatch()`: metadata, tags, policy, and the call's timeout (ms). */
export type KubeMQQueueSendOptions = Omit<KubeMQRecordOptions, 'type'>;

/** What KubeMQ answers for a queue message it accepted. */
export interface KubeMQQueueSendResult {
  /** The message's id (KubeMQ generates one when the sender gave none). */
  messageId: string;
  /** The queue it was sent to. */
  channel: string;
  /** When KubeMQ stored it. */
  sentAt: Date;
  /** When it expires unread, if it has an expiration (`expirationSeconds`). */
  expiresAt: Date | undefined;
  /** When a delayed message (`delaySeconds`) becomes visible to consumers. */
  delayedTo: Date | undefined;
}

/** Options of `receiveFromQueue()` and `peekQueue()`. */
export interface KubeMQQueuePullOptions {
  /** At most this many messages (1 to 1024, default 1). */
  maxMessages?: number;
  /**
   * Seconds to wait (1 to 3600, default 1). KubeMQ answers as soon as
   * `maxMessages` are there, else after the whole wait with what it has.
   */
  waitSeconds?: number;
}

/** A queue message as `receiveFromQueue()` and `peekQueue()` return it. */
export interface KubeMQQueueMessage<TData = unknown> {
  id: string;
  channel: string;
  /** The sender's ClientID. */
  clientId: string;
  /** The body, decoded like a handler's payload (JSON, text or a Buffer). */
  data: TData;
  metadata: string;
  tags: Tags;
  /** The broker's sequence in its queue. */
  sequence: number;
  /** When the broker stored it. */
  timestamp: Date | undefined;
  /** How many times it has been delivered, this time included. */
  receiveCount: number;
  /** True when KubeMQ moved it here from another queue (e.g. a dead letter). */
  reRouted: boolean;
  /** The queue it was moved from ('' when not re-routed). */
  reRoutedFrom: string;
  /** When it expires, if it has an expiration. */
  expiresAt: Date | undefined;
}
