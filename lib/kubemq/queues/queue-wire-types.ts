/**
 * Wire messages of KubeMQ's queue RPCs (§2.2 of the protocol notes), with the
 * server's field names. int64/uint64 fields are decimal strings (Unix ns
 * times and sequences overflow a JS number); message-typed fields the sender
 * left out decode as `null`.
 */
import type { Tags } from '../messages';

/** StreamQueueMessagesRequest.StreamRequestTypeData (a top-level enum). */
export const StreamRequestType = {
  Unknown: 0,
  ReceiveMessage: 1,
  AckMessage: 2,
  RejectMessage: 3,
  ModifyVisibility: 4,
  ResendMessage: 5,
  SendModifiedMessage: 6,
} as const;
export type StreamRequestTypeValue = (typeof StreamRequestType)[keyof typeof StreamRequestType];

/** QueuesDownstreamRequest.RequestTypeData (a top-level enum). */
export const QueuesDownstreamRequestType = {
  Unknown: 0,
  Get: 1,
  AckAll: 2,
  AckRange: 3,
  NAckAll: 4,
  NAckRange: 5,
  ReQueueAll: 6,
  ReQueueRange: 7,
  ActiveOffsets: 8,
  TransactionStatus: 9,
  CloseByClient: 10,
  CloseByServer: 11,
} as const;
export type QueuesDownstreamRequestTypeValue =
  (typeof QueuesDownstreamRequestType)[keyof typeof QueuesDownstreamRequestType];

export interface QueueMessageAttributes {
  /** int64 Unix ns. */
  Timestamp: string;
  /** uint64, per channel from 1. */
  Sequence: string;
  MD5OfBody: string;
  ReceiveCount: number;
  ReRouted: boolean;
  ReRoutedFromQueue: string;
  /** int64 Unix ns, "0" when the message does not expire. */
  ExpirationAt: string;
  /** int64 Unix ns, "0" when not delayed. */
  DelayedTo: string;
}

export interface QueueMessagePolicy {
  ExpirationSeconds: number;
  DelaySeconds: number;
  MaxReceiveCount: number;
  MaxReceiveQueue: string;
}

export interface QueueMessage {
  MessageID: string;
  ClientID: string;
  Channel: string;
  Metadata: string;
  Body: Uint8Array;
  Tags: Tags;
  Attributes: QueueMessageAttributes | null;
  Policy: QueueMessagePolicy | null;
  Topic: string;
  Partition: number;
  PartitionKey: string;
}

export interface QueueMessagesBatchRequest {
  BatchID: string;
  Messages: QueueMessage[];
}

export interface SendQueueMessageResult {
  MessageID: string;
  /** int64 Unix ns. */
  SentAt: string;
  ExpirationAt: string;
  DelayedTo: string;
  IsError: boolean;
  Error: string;
  RefChannel: string;
  RefTopic: string;
  RefPartition: number;
  RefHash: string;
}

export interface QueueMessagesBatchResponse {
  BatchID: string;
  Results: SendQueueMessageResult[];
  HaveErrors: boolean;
}

export interface ReceiveQueueMessagesRequest {
  RequestID: string;
  ClientID: string;
  Channel: string;
  MaxNumberOfMessages: number;
  WaitTimeSeconds: number;
  IsPeak: boolean;
}

export interface ReceiveQueueMessagesResponse {
  RequestID: string;
  Messages: QueueMessage[];
  MessagesReceived: number;
  MessagesExpired: number;
  IsPeak: boolean;
  IsError: boolean;
  Error: string;
}

export interface AckAllQueueMessagesRequest {
  RequestID: string;
  ClientID: string;
  Channel: string;
  WaitTimeSeconds: number;
}

export interface AckAllQueueMessagesResponse {
  RequestID: string;
  /** uint64. */
  AffectedMessages: string;
  IsError: boolean;
  Error: string;
}

export interface StreamQueueMessagesRequest {
  RequestID: string;
  ClientID: string;
  StreamRequestTypeData: number;
  Channel: string;
  VisibilitySeconds: number;
  WaitTimeSeconds: number;
  /** uint64. */
  RefSequence: string;
  ModifiedMessage: QueueMessage | null;
}

export interface StreamQueueMessagesResponse {
  RequestID: string;
  StreamRequestTypeData: number;
  Message: QueueMessage | null;
  IsError: boolean;
  Error: string;
}

export interface QueuesUpstreamRequest {
  RequestID: string;
  Messages: QueueMessage[];
}

export interface QueuesUpstreamResponse {
  RefRequestID: string;
  Results: SendQueueMessageResult[];
  IsError: boolean;
  Error: string;
}

export interface QueuesDownstreamRequest {
  RequestID: string;
  ClientID: string;
  RequestTypeData: number;
  Channel: string;
  MaxItems: number;
  /** Milliseconds (values below 1000 are raised to 1000 by the server). */
  WaitTimeout: number;
  AutoAck: boolean;
  ReQueueChannel: string;
  /** int64 sequences. */
  SequenceRange: string[];
  RefTransactionId: string;
  Metadata: Tags;
}

export interface QueuesDownstreamResponse {
  TransactionId: string;
  RefRequestId: string;
  RequestTypeData: number;
  Messages: QueueMessage[];
  ActiveOffsets: string[];
  IsError: boolean;
  Error: string;
  TransactionComplete: boolean;
  Metadata: Tags;
}

export interface QueueInfo {
  Name: string;
  Messages: string;
  Bytes: string;
  FirstSequence: string;
  LastSequence: string;
  Sent: string;
  Delivered: string;
  Waiting: string;
  Subscribers: string;
}

export interface QueuesInfo {
  TotalQueue: number;
  Sent: string;
  Delivered: string;
  Waiting: string;
  Queues: QueueInfo[];
}

export interface QueuesInfoRequest {
  RequestID: string;
  QueueName: string;
}

export interface QueuesInfoResponse {
  RefRequestID: string;
  Info: QueuesInfo | null;
}
