import { type MethodDefinition } from '@grpc/proto-loader';
import {
  deserializeEmpty,
  deserializeRequest,
  deserializeResponse,
  serializeEmpty,
  serializeRequest,
  serializeResponse,
} from './hot-codec';
import {
  deserializeEvent,
  deserializeEventReceive,
  deserializeResult,
  serializeEvent,
  serializeEventReceive,
  serializeResult,
} from './event-codec';
import { kubemqServiceDefinition, type KubeMQMethodName } from './proto';

type Method = MethodDefinition<object, object>;
type Encode = (value: object) => Buffer;
type Decode = (bytes: Buffer) => object;

/** Every RPC of the service, with its path and (de)serializers resolved once. */
export type KubeMQMethods = Record<KubeMQMethodName, Method>;

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
  const event = { serialize: serializeEvent as Encode, deserialize: deserializeEvent as Decode };
  const result = { serialize: serializeResult as Encode, deserialize: deserializeResult as Decode };
  const received = {
    serialize: serializeEventReceive as Encode,
    deserialize: deserializeEventReceive as Decode,
  };
  fast = {
    ...service,
    SendRequest: withCodecs(service.SendRequest, request, response),
    SendResponse: withCodecs(service.SendResponse, response, empty),
    SubscribeToRequests: withCodecs(service.SubscribeToRequests, undefined, request),
    // Events and the events store (./event-codec).
    SendEvent: withCodecs(service.SendEvent, event, result),
    SendEventsStream: withCodecs(service.SendEventsStream, event, result),
    SubscribeToEvents: withCodecs(service.SubscribeToEvents, undefined, received),
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

/** The RPCs the transport calls (the fast codec where it has one), resolved once per process. */
export function prepareMethods(): KubeMQMethods {
  return fastServiceDefinition();
}
