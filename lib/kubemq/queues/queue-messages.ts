/**
 * The queue wire messages (§2.2 of the protocol notes): their shapes and enums
 * (queue-wire-types.ts, re-exported here so that one module serves every
 * importer) and factories that fill in the proto defaults a sender leaves out.
 */
import {
  QueuesDownstreamRequestType,
  StreamRequestType,
  type QueueMessage,
  type QueueMessageAttributes,
  type QueueMessagePolicy,
  type QueuesDownstreamRequest,
  type StreamQueueMessagesRequest,
} from './queue-wire-types';

export * from './queue-wire-types';

const EMPTY: Uint8Array = Buffer.alloc(0);

/** Attributes with every field at its proto default, then `fields` applied. */
export function makeQueueAttributes(
  fields: Partial<QueueMessageAttributes> = {},
): QueueMessageAttributes {
  return {
    Timestamp: '0',
    Sequence: '0',
    MD5OfBody: '',
    ReceiveCount: 0,
    ReRouted: false,
    ReRoutedFromQueue: '',
    ExpirationAt: '0',
    DelayedTo: '0',
    ...fields,
  };
}

/** A policy with every field at its proto default, then `fields` applied. */
export function makeQueuePolicy(fields: Partial<QueueMessagePolicy> = {}): QueueMessagePolicy {
  return {
    ExpirationSeconds: 0,
    DelaySeconds: 0,
    MaxReceiveCount: 0,
    MaxReceiveQueue: '',
    ...fields,
  };
}

/** A QueueMessage with every field at its proto default, then `fields` applied. */
export function makeQueueMessage(fields: Partial<QueueMessage>): QueueMessage {
  return {
    MessageID: '',
    ClientID: '',
    Channel: '',
    Metadata: '',
    Body: EMPTY,
    Tags: {},
    Attributes: null,
    Policy: null,
    Topic: '',
    Partition: 0,
    PartitionKey: '',
    ...fields,
  };
}

/** A StreamQueueMessagesRequest with proto defaults, then `fields` applied. */
export function makeStreamQueueRequest(
  fields: Partial<StreamQueueMessagesRequest>,
): StreamQueueMessagesRequest {
  return {
    RequestID: '',
    ClientID: '',
    StreamRequestTypeData: StreamRequestType.Unknown,
    Channel: '',
    VisibilitySeconds: 0,
    WaitTimeSeconds: 0,
    RefSequence: '0',
    ModifiedMessage: null,
    ...fields,
  };
}

/** A QueuesDownstreamRequest with proto defaults, then `fields` applied. */
export function makeDownstreamRequest(
  fields: Partial<QueuesDownstreamRequest>,
): QueuesDownstreamRequest {
  return {
    RequestID: '',
    ClientID: '',
    RequestTypeData: QueuesDownstreamRequestType.Unknown,
    Channel: '',
    MaxItems: 0,
    WaitTimeout: 0,
    AutoAck: false,
    ReQueueChannel: '',
    SequenceRange: [],
    RefTransactionId: '',
    Metadata: {},
    ...fields,
  };
}
