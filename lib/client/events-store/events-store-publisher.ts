import { storeChannelError } from '../../kubemq/events-store/store-channel';
import { KubeMQError } from '../../kubemq/kubemq-error';
import { type KubeMQEvent, type KubeMQResult, type Tags } from '../../kubemq/messages';
import { emitFailure, packetMetadata, type Publisher } from '../events/event-publisher';
import { encodeEvent } from '../request-encoder';

/**
 * The KubeMQ Event (Store: true) for one stored event. Throws a KubeMQError
 * naming the channel for what the events store would refuse — or, for a
 * channel its store cannot hold, accept with `Sent: true` and then drop.
 */
export function encodeStoredEvent(
  channel: string,
  payload: unknown,
  clientId: string,
  packetMetadata?: Tags,
): { event: KubeMQEvent; timeout: number | undefined } {
  const problem = storeChannelError(channel);
  if (problem) {
    throw new KubeMQError(`Cannot store an event on KubeMQ channel "${channel}": ${problem}`);
  }
  const encoded = encodeEvent(channel, payload, clientId, packetMetadata);
  encoded.event.Store = true;
  return encoded;
}

/** Throws when KubeMQ answered `Sent: false`, with its text and the channel. */
export function checkStored(channel: string, result: KubeMQResult): KubeMQResult {
  if (!result.Sent) {
    throw new KubeMQError(`KubeMQ did not store the event on "${channel}": ${result.Error}`);
  }
  return result;
}

/**
 * `emit()` of a record with type `'events-store'` (SendEvent, Store: true):
 * resolves once KubeMQ answered `Sent: true`.
 */
export const publishStoredEvent: Publisher = async ({ connection, channel, packet, timeout }) => {
  const encoded = encodeStoredEvent(
    channel,
    packet.data,
    connection.clientId,
    packetMetadata(packet),
  );
  let result: KubeMQResult;
  try {
    result = await connection.sendEvent(encoded.event, encoded.timeout ?? timeout);
  } catch (error) {
    throw emitFailure('stored event', channel, error);
  }
  return checkStored(channel, result);
};
