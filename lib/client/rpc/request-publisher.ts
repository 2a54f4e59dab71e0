import { type ReadPacket, type WritePacket } from '@nestjs/microservices';
import { type KubeMQConnection } from '../../kubemq/connection';
import { packetMetadata } from '../events/event-publisher';
import { type PendingRequests } from '../pending-requests';
import { encodeRequest } from '../request-encoder';
import { type KubeMQRequest, type KubeMQResponse } from '../../kubemq/messages';
import { decodeResponse, describeRequestError, type DecodedResponse } from '../response-decoder';

/** Decodes a response instead of the body codec (a custom deserializer, tracing). */
export type ResponseDecoding = (
  request: KubeMQRequest,
  response: KubeMQResponse,
) => Promise<DecodedResponse>;

/**
 * Sends one command or query for `send()` and reports its outcome to
 * `callback` exactly once, as Nest's ClientProxy expects: the response, or
 * an error naming the channel. `close()` of the client fails it at once
 * through `pending`. Returns the teardown Nest runs on unsubscribe.
 * `decoding` replaces the body codec for the response when given.
 */
export function publishRequest(
  connection: KubeMQConnection,
  channel: string,
  packet: ReadPacket,
  defaultTimeout: number,
  pending: PendingRequests,
  callback: (packet: WritePacket) => void,
  decoding?: ResponseDecoding,
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
    if (decoding) return settleDecoded(decoding(request, response!), settle);
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

function settleDecoded(
  decoded: Promise<DecodedResponse>,
  settle: (result: WritePacket) => void,
): void {
  decoded.then(
    (result) =>
      settle(
        result.ok
          ? { response: result.value, isDisposed: true }
          : { err: result.error, isDisposed: true },
      ),
    (error: unknown) => settle({ err: error, isDisposed: true }),
  );
}
