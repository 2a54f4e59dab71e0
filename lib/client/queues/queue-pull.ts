import { type KubeMQConnection } from '../../kubemq/connection';
import { KubeMQError } from '../../kubemq/kubemq-error';
import { queueChannelError } from '../../kubemq/queues/queue-channel';
import { receiveQueueMessages } from '../../kubemq/queues/queue-calls';
import { type QueueMessage } from '../../kubemq/queues/queue-messages';
import { unixNanosToDate } from '../../kubemq/timestamps';
import { bodyFormatOf, decodeBody } from '../../serializers/body-codec';
import { emitFailure } from '../events/event-publisher';
import { type KubeMQQueueMessage, type KubeMQQueuePullOptions } from './queue-types';

/**
 * `receiveFromQueue()` (`peek` false) and `peekQueue()` (`peek` true): one
 * ReceiveQueueMessages call. Received messages are removed from the queue
 * as KubeMQ hands them out; peeked ones stay.
 */
export async function pullFromQueue<TData>(
  connection: KubeMQConnection,
  channel: string,
  options: KubeMQQueuePullOptions,
  peek: boolean,
): Promise<Array<KubeMQQueueMessage<TData>>> {
  const verb = peek ? 'peek into' : 'receive from';
  const problem = queueChannelError(channel);
  if (problem) {
    throw new KubeMQError(`Cannot ${verb} the queue ${JSON.stringify(channel)}: ${problem}`);
  }
  const maxMessages = options?.maxMessages ?? 1;
  const waitSeconds = options?.waitSeconds ?? 1;
  for (const [name, value] of [
    ['maxMessages', maxMessages],
    ['waitSeconds', waitSeconds],
  ] as const) {
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      throw new KubeMQError(
        `Cannot ${verb} the queue "${channel}": ${name} must be a whole number, got ${JSON.stringify(value)}`,
      );
    }
  }
  let response;
  try {
    response = await receiveQueueMessages(connection, {
      RequestID: '',
      ClientID: connection.clientId,
      Channel: channel,
      MaxNumberOfMessages: maxMessages,
      WaitTimeSeconds: waitSeconds,
      IsPeak: peek,
    });
  } catch (error) {
    throw emitFailure(peek ? 'peek' : 'receive', channel, error);
  }
  if (response.IsError) {
    throw new KubeMQError(`KubeMQ refused to ${verb} the queue "${channel}": ${response.Error}`);
  }
  return response.Messages.map((message) => toQueueMessage<TData>(channel, message));
}

function toQueueMessage<TData>(channel: string, message: QueueMessage): KubeMQQueueMessage<TData> {
  const attributes = message.Attributes;
  return {
    id: message.MessageID,
    channel: message.Channel || channel,
    clientId: message.ClientID,
    data: decodeBody(message.Body, bodyFormatOf(message.Tags)) as TData,
    metadata: message.Metadata,
    tags: message.Tags,
    sequence: Number(attributes?.Sequence ?? 0),
    timestamp: unixNanosToDate(attributes?.Timestamp),
    receiveCount: attributes?.ReceiveCount ?? 0,
    reRouted: attributes?.ReRouted ?? false,
    reRoutedFrom: attributes?.ReRoutedFromQueue ?? '',
    expiresAt: unixNanosToDate(attributes?.ExpirationAt),
  };
}
