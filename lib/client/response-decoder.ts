import { status as GrpcStatus } from '@grpc/grpc-js';
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

/**
 * Names the channel in a failed request's error: a timeout says how long it
 * waited; anything else (the broker refused it, the connection dropped)
 * keeps the broker's or gRPC's text after the channel.
 */
export function describeRequestError(request: KubeMQRequest, error: KubeMQError): KubeMQError {
  const kind = request.RequestTypeData === RequestType.Query ? 'query' : 'command';
  const tooLarge = error.grpcCode === GrpcStatus.RESOURCE_EXHAUSTED ? ' (see maxMessageBytes)' : '';
  const message = error.isTimeout
    ? `No response to ${kind} on KubeMQ channel "${request.Channel}" within ${request.Timeout} ms (${error.message})`
    : `The ${kind} on KubeMQ channel "${request.Channel}" failed: ${error.message}${tooLarge}`;
  return new KubeMQError(message, error.grpcCode, { cause: error });
}
