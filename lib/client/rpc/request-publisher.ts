import { type ReadPacket, type WritePacket } from '@nestjs/microservices';
import { type KubeMQConnection } from '../../kubemq/connection';
import { packetMetadata } from '../events/event-publisher';
import { type PendingRequests } from '../pending-requests';
import { encodeRequest } from '../request-encoder';
import { decodeResponse, describeRequestError } from '../response-decoder';

/**
 * Sends one command or query for `send()` and reports its outcome to
 * `callback` exactly once, as Nest's ClientProxy expects: the response, or
 * an error naming the channel. `close()` of the client fails it at once
 * through `pending`. Returns the teardown Nest runs on unsubscribe.
 */
export function publishRequest(
  connection: KubeMQConnection,
  channel: string,
  packet: ReadPacket,
  defaultTimeout: number,
  pending: PendingRequests,
  callback: (packet: WritePacket) => void,
): () => void {
  let request;
  try {
    request = encodeRequest(
      channel,
      packet.data,
      connection.clientId,
      defaultTimeout,
      packetMetadata(packet),
    );
  } catch (error) {
    callback({ err: error, isDisposed: true });
    return () => undefined;
  }
  let settled = false;
  const settle = (result: WritePacket) => {
    if (settled) return;
    settled = true;
    forget();
    callback(result);
  };
  const forget = pending.add((reason) => {
    cancel();
    settle({ err: reason, isDisposed: true });
  });
  const cancel = connection.sendRequestWithCallback(request, (error, response) => {
    if (error) return settle({ err: describeRequestError(request, error), isDisposed: true });
    const decoded = decodeResponse(request, response!);
    settle(
      decoded.ok
        ? { response: decoded.value, isDisposed: true }
        : { err: decoded.error, isDisposed: true },
    );
  });
  return () => {
    if (settled) return;
    settled = true;
    forget();
    cancel();
  };
}
