import { type MethodDefinition } from '@grpc/proto-loader';
import {
  deserializeEmpty,
  deserializeRequest,
  deserializeResponse,
  serializeEmpty,
  serializeRequest,
  serializeResponse,
} from './hot-codec';
import { kubemqServiceDefinition, type KubeMQMethodName } from './proto';

type Method = MethodDefinition<object, object>;
type Encode = (value: object) => Buffer;
type Decode = (bytes: Buffer) => object;

/** The RPCs the transport calls, with their paths and (de)serializers resolved once. */
export interface KubeMQMethods {
  Ping: Method;
  SendRequest: Method;
  SendResponse: Method;
  SubscribeToRequests: Method;
  SendEvent: Method;
  SubscribeToEvents: Method;
}

let fast: Record<KubeMQMethodName, Method> | undefined;

/**
 * The `kubemq.kubemq` service definition with the hand-written codec
 * (./hot-codec) on the messages every request carries: Request and
 * Response, both ways. Everything else keeps proto-loader's serializers.
 * Used by the connection (client side) and by the test broker (server side).
 */
export function fastServiceDefinition(): Record<KubeMQMethodName, Method> {
  if (fast) return fast;
  const service = kubemqServiceDefinition();
  const request = {
    serialize: serializeRequest as Encode,
    deserialize: deserializeRequest as Decode,
  };
  const response = {
    serialize: serializeResponse as Encode,
    deserialize: deserializeResponse as Decode,
  };
  const empty = { serialize: serializeEmpty as Encode, deserialize: deserializeEmpty as Decode };
  fast = {
    ...service,
    SendRequest: withCodecs(service.SendRequest, request, response),
    SendResponse: withCodecs(service.SendResponse, response, empty),
    SubscribeToRequests: withCodecs(service.SubscribeToRequests, undefined, request),
  };
  return fast;
}

function withCodecs(
  method: Method,
  input: { serialize: Encode; deserialize: Decode } | undefined,
  output: { serialize: Encode; deserialize: Decode },
): Method {
  return {
    ...method,
    ...(input && { requestSerialize: input.serialize, requestDeserialize: input.deserialize }),
    responseSerialize: output.serialize,
    responseDeserialize: output.deserialize,
  };
}

let prepared: KubeMQMethods | undefined;

export function prepareMethods(): KubeMQMethods {
  if (prepared) return prepared;
  const service = fastServiceDefinition();
  prepared = {
    Ping: service.Ping,
    SendRequest: service.SendRequest,
    SendResponse: service.SendResponse,
    SubscribeToRequests: service.SubscribeToRequests,
    SendEvent: service.SendEvent,
    SubscribeToEvents: service.SubscribeToEvents,
  };
  return prepared;
}
