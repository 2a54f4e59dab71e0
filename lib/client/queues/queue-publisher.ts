import { packetMetadata, type Publisher } from '../events/event-publisher';
import { encodeQueueMessage } from './queue-encoder';
import { sendOneToQueue } from './queue-sender';

/**
 * `emit(queue, record)` with `setType('queue')`: one SendQueueMessage; emits
 * KubeMQ's result (a KubeMQQueueSendResult), or errors with KubeMQ's
 * refusal and the queue's name.
 */
export const publishQueueMessage: Publisher = async ({ connection, channel, packet, timeout }) => {
  const encoded = encodeQueueMessage(
    channel,
    packet.data,
    connection.clientId,
    {},
    packetMetadata(packet),
  );
  return sendOneToQueue(connection, channel, encoded.message, encoded.timeout ?? timeout);
};
