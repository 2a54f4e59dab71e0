import { type KubeMQConnection } from '../../kubemq/connection';
import { KubeMQError } from '../../kubemq/kubemq-error';
import { queueChannelError } from '../../kubemq/queues/queue-channel';
import { receiveQueueMessages } from '../../kubemq/queues/queue-calls';
import { type QueueMessage } from '../../kubemq/queues/queue-messages';
import { unixNanosToDate } from '../../kubemq/timestamps';
import { bodyFormatOf, decodeBody, toBuffer } from '../../serializers/body-codec';
import { type PayloadSerialization } from '../../serializers/payload-serialization';
import { emitFailure } from '../events/event-publisher';
import { KubeMQQueuePullError } from './queue-pull-error';
import { type KubeMQQueueMessage, type KubeMQQueuePullOptions } from './queue-types';

/**
 * `receiveFromQueue()` (`peek` false) and `peekQueue()` (`peek` true): one
 * ReceiveQueueMessages call. Received messages are removed from the queue
 * as KubeMQ hands them out; peeked ones stay. Bodies go through the
 * client's deserializer when it has one.
 */
export async function pullFromQueue<TData>(
  connection: KubeMQConnection,
  channel: string,
  options: KubeMQQueuePullOptions,
  peek: boolean,
  serialization?: PayloadSerialization,
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
  if (serialization) return deserializePulled<TData>(serialization, channel, response.Messages);
  return response.Messages.map((message) =>
    toQueueMessage<TData>(channel, message, decodeBody(message.Body, bodyFormatOf(message.Tags))),
  );
}

/** Pulled messages through the deserializer; what it cannot read fails the pull, losing nothing. */
async function deserializePulled<TData>(
  serialization: PayloadSerialization,
  channel: string,
  messages: QueueMessage[],
): Promise<Array<KubeMQQueueMessage<TData>>> {
  const failed: Array<{ index: number; messageId: string; error: string }> = [];
  const pulled = await Promise.all(
    messages.map(async (message, index) => {
      let data: unknown;
      try {
        data = await serialization.deserialize(message.Body, message.Tags, {
          channel: message.Channel || channel,
          pattern: channel,
          kind: 'queue',
          id: message.MessageID,
          metadata: message.Metadata,
        });
      } catch (error) {
        failed.push({ index, messageId: message.MessageID, error: (error as Error).message });
        data = toBuffer(message.Body ?? Buffer.alloc(0));
      }
      return toQueueMessage<TData>(channel, message, data);
    }),
  );
  if (failed.length > 0) {
    throw new KubeMQQueuePullError(
      channel,
      pulled,
      failed.sort((a, b) => a.index - b.index),
    );
  }
  return pulled;
}

function toQueueMessage<TData>(
  channel: string,
  message: QueueMessage,
  data: unknown,
): KubeMQQueueMessage<TData> {
  const attributes = message.Attributes;
  return {
    id: message.MessageID,
    channel: message.Channel || channel,
    clientId: message.ClientID,
    data: data as TData,
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
