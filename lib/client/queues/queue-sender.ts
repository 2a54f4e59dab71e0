import { randomUUID } from 'node:crypto';
import { type KubeMQConnection } from '../../kubemq/connection';
import { KubeMQError } from '../../kubemq/kubemq-error';
import { sendQueueMessage, sendQueueMessagesBatch } from '../../kubemq/queues/queue-calls';
import { type QueueMessage, type SendQueueMessageResult } from '../../kubemq/queues/queue-messages';
import { unixNanosToDate } from '../../kubemq/timestamps';
import { emitFailure } from '../events/event-publisher';
import { KubeMQQueueBatchError, type KubeMQQueueRefusal } from './queue-batch-error';
import { encodeQueueMessage } from './queue-encoder';
import { type KubeMQQueueSendOptions, type KubeMQQueueSendResult } from './queue-types';

/**
 * Sends one queue message and resolves with KubeMQ's result; a refusal
 * (in-band `IsError`) rejects with KubeMQ's text and the queue's name.
 */
export async function sendOneToQueue(
  connection: KubeMQConnection,
  channel: string,
  message: QueueMessage,
  timeout: number,
): Promise<KubeMQQueueSendResult> {
  let result: SendQueueMessageResult;
  try {
    result = await sendQueueMessage(connection, message, timeout);
  } catch (error) {
    throw emitFailure('queue message', channel, error);
  }
  if (result.IsError) {
    throw new KubeMQError(`KubeMQ refused the queue message to "${channel}": ${result.Error}`);
  }
  return toSendResult(channel, result);
}

/** `sendToQueue()`: encodes `data` (plain data or a KubeMQRecord) and sends it. */
export function sendToQueue(
  connection: KubeMQConnection,
  channel: string,
  data: unknown,
  options: KubeMQQueueSendOptions,
  defaultTimeout: number,
): Promise<KubeMQQueueSendResult> {
  const encoded = encodeQueueMessage(channel, data, connection.clientId, options ?? {});
  return sendOneToQueue(connection, channel, encoded.message, encoded.timeout ?? defaultTimeout);
}

/**
 * `sendQueueBatch()`: one SendQueueMessagesBatch call. KubeMQ accepts or
 * refuses each message on its own and leaves `HaveErrors` false when it
 * refused some for their content, so every result is read: all accepted
 * resolves with the results in order; any refused rejects with a
 * {@link KubeMQQueueBatchError} that tells which were sent and which not.
 */
export async function sendBatchToQueue(
  connection: KubeMQConnection,
  channel: string,
  items: readonly unknown[],
  options: KubeMQQueueSendOptions,
  defaultTimeout: number,
): Promise<KubeMQQueueSendResult[]> {
  if (!Array.isArray(items) || items.length === 0) {
    throw new KubeMQError(
      `Cannot send a queue batch to "${channel}": it needs at least one message`,
    );
  }
  const messages = items.map(
    (item) => encodeQueueMessage(channel, item, connection.clientId, options ?? {}).message,
  );
  const timeout = options?.timeout ?? defaultTimeout;
  let response;
  try {
    response = await sendQueueMessagesBatch(connection, messages, randomUUID(), timeout);
  } catch (error) {
    throw emitFailure('queue batch', channel, error);
  }
  if (response.Results.length !== messages.length) {
    throw new KubeMQError(
      `KubeMQ answered ${response.Results.length} result(s) for a batch of ${messages.length} queue message(s) to "${channel}"; whether each was sent is unknown`,
    );
  }
  const results: Array<KubeMQQueueSendResult | undefined> = [];
  const refused: KubeMQQueueRefusal[] = [];
  response.Results.forEach((result, index) => {
    if (result.IsError) {
      refused.push({ index, messageId: result.MessageID, error: result.Error });
      results.push(undefined);
    } else results.push(toSendResult(channel, result));
  });
  if (refused.length > 0) throw new KubeMQQueueBatchError(channel, results, refused);
  return results as KubeMQQueueSendResult[];
}

function toSendResult(channel: string, result: SendQueueMessageResult): KubeMQQueueSendResult {
  return {
    messageId: result.MessageID,
    channel,
    sentAt: unixNanosToDate(result.SentAt) ?? new Date(),
    expiresAt: unixNanosToDate(result.ExpirationAt),
    delayedTo: unixNanosToDate(result.DelayedTo),
  };
}
