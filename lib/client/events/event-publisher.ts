import { type ReadPacket } from '@nestjs/microservices';
import { type KubeMQConnection } from '../../kubemq/connection';
import { KubeMQError } from '../../kubemq/kubemq-error';
import { type KubeMQResult, type Tags } from '../../kubemq/messages';
import { encodeEvent } from '../request-encoder';

/** What `emit()` hands to a publisher: the connection, the channel and the packet. */
export interface Emission {
  connection: KubeMQConnection;
  channel: string;
  packet: ReadPacket;
  /** The client's default timeout, in ms. */
  timeout: number;
}

/** Publishes one `emit()` to KubeMQ and resolves with the broker's answer. */
export type Publisher = (emission: Emission) => Promise<unknown>;

/** Nest 12 adds `metadata` to packets; it travels as KubeMQ tags. */
export function packetMetadata(packet: ReadPacket): Tags | undefined {
  return (packet as ReadPacket & { metadata?: Tags }).metadata;
}

/** Wraps a failed call's error in one that names the channel. */
export function emitFailure(what: string, channel: string, error: unknown): KubeMQError {
  const { message, grpcCode } = error as KubeMQError;
  return new KubeMQError(
    `The ${what} on KubeMQ channel "${channel}" failed: ${message}`,
    grpcCode,
    {
      cause: error,
    },
  );
}

/** Plain events (SendEvent): resolves once the broker has taken the event. */
export const publishEvent: Publisher = async ({ connection, channel, packet, timeout }) => {
  const encoded = encodeEvent(channel, packet.data, connection.clientId, packetMetadata(packet));
  let result: KubeMQResult;
  try {
    result = await connection.sendEvent(encoded.event, encoded.timeout ?? timeout);
  } catch (error) {
    throw emitFailure('event', channel, error);
  }
  if (!result.Sent) {
    throw new KubeMQError(`KubeMQ did not accept the event on "${channel}": ${result.Error}`);
  }
  return result;
};
