import { type ReadPacket, type WritePacket } from '@nestjs/microservices';
import { type KubeMQConnection } from '../../kubemq/connection';
import { packetMetadata } from '../events/event-publisher';
import { type KubeMQError } from '../../kubemq/kubemq-error';
import { type PendingRequest, type PendingRequests } from '../pending-requests';
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
  let request: KubeMQRequest;
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
  const sent = new SentRequest(request, pending, callback, decoding);
  sent.start(connection);
  return () => sent.unsubscribe();
}

/** One request on its way: one object rather than a closure for each way it can end. */
class SentRequest implements PendingRequest {
  private settled = false;
  private cancel: () => void = () => undefined;

  constructor(
    private readonly request: KubeMQRequest,
    private readonly pending: PendingRequests,
    private readonly callback: (packet: WritePacket) => void,
    private readonly decoding: ResponseDecoding | undefined,
  ) {}

  start(connection: KubeMQConnection): void {
    this.pending.add(this);
    this.cancel = connection.sendRequestWithCallback(this.request, (error, response) =>
      this.answered(error, response),
    );
  }

  /** The client closed: fail at once. */
  fail(reason: Error): void {
    this.cancel();
    this.settle({ err: reason, isDisposed: true });
  }

  /** Nest unsubscribed before the answer. */
  unsubscribe(): void {
    if (this.settled) return;
    this.settled = true;
    this.pending.delete(this);
    this.cancel();
  }

  private answered(error: KubeMQError | undefined, response: KubeMQResponse | undefined): void {
    const { request } = this;
    if (error) {
      this.settle({ err: describeRequestError(request, error), isDisposed: true });
      return;
    }
    if (this.decoding) {
      this.decoding(request, response!).then(
        (decoded) => this.settleDecoded(decoded),
        (failure: unknown) => this.settle({ err: failure, isDisposed: true }),
      );
      return;
    }
    this.settleDecoded(decodeResponse(request, response!));
  }

  private settleDecoded(decoded: DecodedResponse): void {
    this.settle(
      decoded.ok
        ? { response: decoded.value, isDisposed: true }
        : { err: decoded.error, isDisposed: true },
    );
  }

  private settle(result: WritePacket): void {
    if (this.settled) return;
    this.settled = true;
    this.pending.delete(this);
    this.callback(result);
  }
}
