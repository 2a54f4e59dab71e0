import { decodeWireError } from '../errors/wire-error';
import { KubeMQError } from '../kubemq/kubemq-error';
import { RequestType, type KubeMQRequest, type KubeMQResponse } from '../kubemq/messages';
import { kubemqTimestampToDate } from '../kubemq/timestamps';
import { bodyFormatOf, decodeBody } from '../serializers/body-codec';
import { type KubeMQCommandResponse } from './client-kubemq.options';

/** The outcome of a request as `send()` reports it. */
export type DecodedResponse = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * A command's response becomes `{ requestId, clientId, executed, executedAt }`,
 * a query's its decoded Body; `Executed: false` becomes the error object
 * Nest's built-in transports would deliver.
 */
export function decodeResponse(request: KubeMQRequest, response: KubeMQResponse): DecodedResponse {
  if (!response.Executed) return { ok: false, error: decodeWireError(response) };
  if (request.RequestTypeData === RequestType.Query) {
    return { ok: true, value: decodeBody(response.Body, bodyFormatOf(response.Tags)) };
  }
  const ack: KubeMQCommandResponse = {
    requestId: response.RequestID || request.RequestID,
    clientId: response.ClientID,
    executed: true,
    executedAt: kubemqTimestampToDate(response.Timestamp) ?? new Date(),
  };
  return { ok: true, value: ack };
}

/** Rewrites a timeout into an error that names the channel and the wait. */
export function describeRequestError(request: KubeMQRequest, error: KubeMQError): KubeMQError {
  if (!error.isTimeout) return error;
  const kind = request.RequestTypeData === RequestType.Query ? 'query' : 'command';
  return new KubeMQError(
    `No response to ${kind} on KubeMQ channel "${request.Channel}" within ${request.Timeout} ms (${error.message})`,
    error.grpcCode,
    { cause: error },
  );
}
