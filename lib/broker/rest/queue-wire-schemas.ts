import {
  makeQueueAttributes,
  makeQueueMessage,
  makeQueuePolicy,
  makeStreamQueueRequest,
  type AckAllQueueMessagesRequest,
  type AckAllQueueMessagesResponse,
  type QueueMessage,
  type QueueMessagesBatchRequest,
  type QueueMessagesBatchResponse,
  type QueuesInfoRequest,
  type QueuesInfoResponse,
  type ReceiveQueueMessagesRequest,
  type ReceiveQueueMessagesResponse,
  type SendQueueMessageResult,
  type StreamQueueMessagesRequest,
  type StreamQueueMessagesResponse,
} from '../../kubemq/queues/queue-messages';
import { makeSendResult } from '../queues/queue-send';
import {
  BOOL,
  BYTES,
  fields,
  INT32,
  INT64,
  message,
  repeated,
  STRING,
  TAGS,
  UINT64,
  type WireSchema,
} from './wire-fields';

/** The queue messages' Go structs as the REST face reads and writes them (see wire-fields). */

const ATTRIBUTES_SCHEMA: WireSchema<unknown> = {
  goName: 'QueueMessageAttributes',
  empty: () => makeQueueAttributes(),
  fields: fields([
    ['Timestamp', INT64],
    ['Sequence', UINT64],
    ['MD5OfBody', STRING],
    ['ReceiveCount', INT32],
    ['ReRouted', BOOL],
    ['ReRoutedFromQueue', STRING],
    ['ExpirationAt', INT64],
    ['DelayedTo', INT64],
  ]),
};

const POLICY_SCHEMA: WireSchema<unknown> = {
  goName: 'QueueMessagePolicy',
  empty: () => makeQueuePolicy(),
  fields: fields([
    ['ExpirationSeconds', INT32],
    ['DelaySeconds', INT32],
    ['MaxReceiveCount', INT32],
    ['MaxReceiveQueue', STRING],
  ]),
};

export const QUEUE_MESSAGE_SCHEMA: WireSchema<QueueMessage> = {
  goName: 'QueueMessage',
  empty: () => makeQueueMessage({}),
  fields: fields([
    ['MessageID', STRING],
    ['ClientID', STRING],
    ['Channel', STRING],
    ['Metadata', STRING],
    ['Body', BYTES],
    ['Tags', TAGS],
    ['Attributes', message(() => ATTRIBUTES_SCHEMA)],
    ['Policy', message(() => POLICY_SCHEMA)],
    ['Topic', STRING],
    ['Partition', INT32],
    ['PartitionKey', STRING],
  ]),
};

export const SEND_RESULT_SCHEMA: WireSchema<SendQueueMessageResult> = {
  goName: 'SendQueueMessageResult',
  empty: () => makeSendResult({}),
  fields: fields([
    ['MessageID', STRING],
    ['SentAt', INT64],
    ['ExpirationAt', INT64],
    ['DelayedTo', INT64],
    ['IsError', BOOL],
    ['Error', STRING],
    ['RefChannel', STRING],
    ['RefTopic', STRING],
    ['RefPartition', INT32],
    ['RefHash', STRING],
  ]),
};

export const BATCH_REQUEST_SCHEMA: WireSchema<QueueMessagesBatchRequest> = {
  goName: 'QueueMessagesBatchRequest',
  empty: () => ({ BatchID: '', Messages: [] }),
  fields: fields([
    ['BatchID', STRING],
    ['Messages', repeated(() => QUEUE_MESSAGE_SCHEMA)],
  ]),
};

export const BATCH_RESPONSE_SCHEMA: WireSchema<QueueMessagesBatchResponse> = {
  goName: 'QueueMessagesBatchResponse',
  empty: () => ({ BatchID: '', Results: [], HaveErrors: false }),
  fields: fields([
    ['BatchID', STRING],
    ['Results', repeated(() => SEND_RESULT_SCHEMA)],
    ['HaveErrors', BOOL],
  ]),
};

export const RECEIVE_REQUEST_SCHEMA: WireSchema<ReceiveQueueMessagesRequest> = {
  goName: 'ReceiveQueueMessagesRequest',
  empty: () => ({
    RequestID: '',
    ClientID: '',
    Channel: '',
    MaxNumberOfMessages: 0,
    WaitTimeSeconds: 0,
    IsPeak: false,
  }),
  fields: fields([
    ['RequestID', STRING],
    ['ClientID', STRING],
    ['Channel', STRING],
    ['MaxNumberOfMessages', INT32],
    ['WaitTimeSeconds', INT32],
    ['IsPeak', BOOL],
  ]),
};

export const RECEIVE_RESPONSE_SCHEMA: WireSchema<ReceiveQueueMessagesResponse> = {
  goName: 'ReceiveQueueMessagesResponse',
  empty: () => ({
    RequestID: '',
    Messages: [],
    MessagesReceived: 0,
    MessagesExpired: 0,
    IsPeak: false,
    IsError: false,
    Error: '',
  }),
  fields: fields([
    ['RequestID', STRING],
    ['Messages', repeated(() => QUEUE_MESSAGE_SCHEMA)],
    ['MessagesReceived', INT32],
    ['MessagesExpired', INT32],
    ['IsPeak', BOOL],
    ['IsError', BOOL],
    ['Error', STRING],
  ]),
};

export const ACK_ALL_REQUEST_SCHEMA: WireSchema<AckAllQueueMessagesRequest> = {
  goName: 'AckAllQueueMessagesRequest',
  empty: () => ({ RequestID: '', ClientID: '', Channel: '', WaitTimeSeconds: 0 }),
  fields: fields([
    ['RequestID', STRING],
    ['ClientID', STRING],
    ['Channel', STRING],
    ['WaitTimeSeconds', INT32],
  ]),
};

export const ACK_ALL_RESPONSE_SCHEMA: WireSchema<AckAllQueueMessagesResponse> = {
  goName: 'AckAllQueueMessagesResponse',
  empty: () => ({ RequestID: '', AffectedMessages: '0', IsError: false, Error: '' }),
  fields: fields([
    ['RequestID', STRING],
    ['AffectedMessages', UINT64],
    ['IsError', BOOL],
    ['Error', STRING],
  ]),
};

export const STREAM_REQUEST_SCHEMA: WireSchema<StreamQueueMessagesRequest> = {
  goName: 'StreamQueueMessagesRequest',
  empty: () => makeStreamQueueRequest({}),
  fields: fields([
    ['RequestID', STRING],
    ['ClientID', STRING],
    ['StreamRequestTypeData', { type: 'int32', goType: 'kubemq.StreamRequestType' }],
    ['Channel', STRING],
    ['VisibilitySeconds', INT32],
    ['WaitTimeSeconds', INT32],
    ['RefSequence', UINT64],
    ['ModifiedMessage', message(() => QUEUE_MESSAGE_SCHEMA)],
  ]),
};

export const STREAM_RESPONSE_SCHEMA: WireSchema<StreamQueueMessagesResponse> = {
  goName: 'StreamQueueMessagesResponse',
  empty: () => ({
    RequestID: '',
    StreamRequestTypeData: 0,
    Message: null,
    IsError: false,
    Error: '',
  }),
  fields: fields([
    ['RequestID', STRING],
    ['StreamRequestTypeData', { type: 'int32', goType: 'kubemq.StreamRequestType' }],
    ['Message', message(() => QUEUE_MESSAGE_SCHEMA)],
    ['IsError', BOOL],
    ['Error', STRING],
  ]),
};

export const INFO_REQUEST_SCHEMA: WireSchema<QueuesInfoRequest> = {
  goName: 'QueuesInfoRequest',
  empty: () => ({ RequestID: '', QueueName: '' }),
  fields: fields([
    ['RequestID', STRING],
    ['QueueName', STRING],
  ]),
};

const QUEUE_INFO_SCHEMA: WireSchema<unknown> = {
  goName: 'QueueInfo',
  empty: () => ({}),
  fields: fields([
    ['Name', STRING],
    ['Messages', INT64],
    ['Bytes', INT64],
    ['FirstSequence', INT64],
    ['LastSequence', INT64],
    ['Sent', INT64],
    ['Delivered', INT64],
    ['Waiting', INT64],
    ['Subscribers', INT64],
  ]),
};

const QUEUES_INFO_SCHEMA: WireSchema<unknown> = {
  goName: 'QueuesInfo',
  empty: () => ({}),
  fields: fields([
    ['TotalQueue', INT32],
    ['Sent', INT64],
    ['Delivered', INT64],
    ['Waiting', INT64],
    ['Queues', repeated(() => QUEUE_INFO_SCHEMA)],
  ]),
};

export const INFO_RESPONSE_SCHEMA: WireSchema<QueuesInfoResponse> = {
  goName: 'QueuesInfoResponse',
  empty: () => ({ RefRequestID: '', Info: null }),
  fields: fields([
    ['RefRequestID', STRING],
    ['Info', message(() => QUEUES_INFO_SCHEMA)],
  ]),
};
