import { type KubeMQEventReceive, type KubeMQRequest, type Tags } from '../kubemq/messages';
import { type QueueMessage } from '../kubemq/queues/queue-messages';
import { unixNanosToDate } from '../kubemq/timestamps';
import { type KubeMQQueueMessageInfo } from './queue-settlement';

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
   * `nestjs-kubemq.body`, the body format tag the codec reads, and, when
   * they trace with OpenTelemetry, `traceparent` / `tracestate`.
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
  /** Queue messages only: delivery count, re-routing and policy. */
  queue?: KubeMQQueueMessageInfo;
}

/** What a command or query received by a subscription to `pattern` carries. */
export function requestInfo(
  type: 'command' | 'query',
  pattern: string,
  request: KubeMQRequest,
): KubeMQMessageInfo {
  return {
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
  };
}

/**
 * What a plain or stored event received by a subscription to `pattern`
 * carries (KubeMQ does not deliver the sender).
 */
export function eventInfo(
  pattern: string,
  event: KubeMQEventReceive,
  type: 'event' | 'events-store',
): KubeMQMessageInfo {
  return {
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
  };
}

/** What a queue message received from the queue `pattern` carries, its attributes and policy included. */
export function queueMessageInfo(pattern: string, message: QueueMessage): KubeMQMessageInfo {
  const attributes = message.Attributes;
  return {
    type: 'queue',
    channel: message.Channel || pattern,
    pattern,
    id: message.MessageID,
    clientId: message.ClientID,
    metadata: message.Metadata,
    tags: message.Tags,
    timeout: 0,
    replyChannel: '',
    sequence: attributes?.Sequence ?? '0',
    timestamp: attributes?.Timestamp ?? '0',
    queue: {
      receiveCount: attributes?.ReceiveCount ?? 0,
      reRouted: attributes?.ReRouted ?? false,
      reRoutedFrom: attributes?.ReRoutedFromQueue ?? '',
      expiresAt: unixNanosToDate(attributes?.ExpirationAt),
      maxReceiveCount: message.Policy?.MaxReceiveCount ?? 0,
      deadLetterQueue: message.Policy?.MaxReceiveQueue ?? '',
    },
  };
}
