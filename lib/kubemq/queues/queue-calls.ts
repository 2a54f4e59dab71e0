/**
 * The unary queue RPCs: send one message, send a batch, pull or peek. They
 * return the broker's answers as they are: KubeMQ reports refusals in-band
 * (`IsError`/`Error`, gRPC OK), and the callers decide what a refusal means.
 */
import { type KubeMQConnection } from '../connection';
import {
  type QueueMessage,
  type QueueMessagesBatchResponse,
  type ReceiveQueueMessagesRequest,
  type ReceiveQueueMessagesResponse,
  type SendQueueMessageResult,
} from './queue-messages';

/** Beyond a pull's own wait, how long its gRPC call may take before it fails. */
const PULL_DEADLINE_MARGIN_MS = 10_000;

/** SendQueueMessage: resolves with the broker's result, refusals included (`IsError`). */
export function sendQueueMessage(
  connection: KubeMQConnection,
  message: QueueMessage,
  timeoutMs?: number,
): Promise<SendQueueMessageResult> {
  return connection.call<QueueMessage, SendQueueMessageResult>(
    'SendQueueMessage',
    message,
    timeoutMs,
  );
}

/**
 * SendQueueMessagesBatch: one result per message, in order. `HaveErrors` is
 * set only for publish failures, never for refused messages: read every
 * result's `IsError`.
 */
export function sendQueueMessagesBatch(
  connection: KubeMQConnection,
  messages: QueueMessage[],
  batchId: string,
  timeoutMs?: number,
): Promise<QueueMessagesBatchResponse> {
  return connection.call<{ BatchID: string; Messages: QueueMessage[] }, QueueMessagesBatchResponse>(
    'SendQueueMessagesBatch',
    { BatchID: batchId, Messages: messages },
    timeoutMs,
  );
}

/**
 * ReceiveQueueMessages. Without `IsPeak` the broker removes each message as
 * it hands it out (nothing to ack, nothing redelivered if the caller then
 * fails); with it, the messages stay in the queue. Either way the call
 * returns once `MaxNumberOfMessages` are collected, else after the full
 * `WaitTimeSeconds`.
 */
export function receiveQueueMessages(
  connection: KubeMQConnection,
  request: ReceiveQueueMessagesRequest,
): Promise<ReceiveQueueMessagesResponse> {
  const waitMs = Math.max(1, request.WaitTimeSeconds) * 1000;
  return connection.call<ReceiveQueueMessagesRequest, ReceiveQueueMessagesResponse>(
    'ReceiveQueueMessages',
    request,
    waitMs + PULL_DEADLINE_MARGIN_MS,
  );
}
