import { type MethodDefinition } from '@grpc/proto-loader';
import {
  deserializeEmpty,
  deserializeRequest,
  deserializeResponse,
  frameRequest,
  frameResponse,
  serializeEmpty,
  serializeRequest,
  serializeResponse,
} from './hot-codec';
import {
  deserializeEvent,
  deserializeEventReceive,
  deserializeResult,
  frameEvent,
  serializeEvent,
  serializeEventReceive,
  serializeResult,
} from './event-codec';
import { type Frame } from './grpc-frame';
import { kubemqServiceDefinition, type KubeMQMethodName } from './proto';

/**
 * A method definition; `requestFrame`, where there is one, writes the
 * request straight into its gRPC frame (a large body not copied).
 */
type Method = MethodDefinition<object, object> & { requestFrame?: (value: object) => Frame };
type Encode = (value: object) => Buffer;
type Decode = (bytes: Buffer) => object;
type FrameEncode = (value: object) => Frame;

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
    frame: frameRequest as FrameEncode,
  };
  const response = {
    serialize: serializeResponse as Encode,
    deserialize: deserializeResponse as Decode,
    frame: frameResponse as FrameEncode,
  };
  const empty = { serialize: serializeEmpty as Encode, deserialize: deserializeEmpty as Decode };
  const event = {
    serialize: serializeEvent as Encode,
    deserialize: deserializeEvent as Decode,
    frame: frameEvent as FrameEncode,
  };
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
  input: { serialize: Encode; deserialize: Decode; frame?: FrameEncode } | undefined,
  output: { serialize: Encode; deserialize: Decode },
): Method {
  return {
    ...method,
    ...(input && { requestSerialize: input.serialize, requestDeserialize: input.deserialize }),
    ...(input?.frame && { requestFrame: input.frame }),
    responseSerialize: output.serialize,
    responseDeserialize: output.deserialize,
  };
}

/** The RPCs the transport calls (the fast codec where it has one), resolved once per process. */
export function prepareMethods(): KubeMQMethods {
  return fastServiceDefinition();
}
