import {
  Metadata,
  status as GrpcStatus,
  type ChannelInterface,
  type ServiceError,
  type StatusObject,
} from '@grpc/grpc-js';
import { type OpenCall } from './call-opener';
import { frameOf, type Frame } from './grpc-frame';

/** An RPC with its path and codec resolved once. */
export interface CallMethod<Req, Res> {
  path: string;
  requestSerialize(value: Req): Buffer;
  responseDeserialize(bytes: Buffer): Res;
  /** Writes the request straight into its gRPC frame (./hot-codec); without it the frame is a copy. */
  requestFrame?(value: Req): Frame;
}

/** A call made straight on a grpc-js channel (what `Channel.createCall` returns). */
export type ChannelCall = ReturnType<ChannelInterface['createCall']>;

/** The error grpc-js's Client reports for a status: same message, code, details and metadata. */
export function serviceErrorOf(status: StatusObject): ServiceError {
  const message = `${status.code} ${GrpcStatus[status.code]}: ${status.details}`;
  return Object.assign(new Error(message), status) as ServiceError;
}

export function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The status grpc-js gives a request that cannot be serialized. */
export function serializationFailure(error: unknown): StatusObject {
  return {
    code: GrpcStatus.INTERNAL,
    details: `Request message serialization failure: ${reason(error)}`,
    metadata: new Metadata(),
  };
}

/** `request` as its gRPC frame (throws what the serializer throws). */
export function frameRequest<Req>(method: CallMethod<Req, unknown>, request: Req): Frame {
  return method.requestFrame
    ? method.requestFrame(request)
    : frameOf(method.requestSerialize(request));
}

/**
 * Decodes a received message. One that cannot be parsed cancels the call
 * with the INTERNAL status grpc-js gives it, which is returned as `error`.
 */
export function decodeReceived<Res>(
  call: OpenCall,
  method: CallMethod<unknown, Res>,
  message: Buffer,
): { value: Res; error?: undefined } | { error: StatusObject } {
  try {
    return { value: method.responseDeserialize(message) };
  } catch (error) {
    const status: StatusObject = {
      code: GrpcStatus.INTERNAL,
      details: `Response message parsing error: ${reason(error)}`,
      metadata: new Metadata(),
    };
    call.cancelWithStatus(status.code, status.details);
    return { error: status };
  }
}

/**
 * Sends the single request message and half-closes; a request that cannot
 * be serialized cancels the call with grpc-js's INTERNAL status instead.
 * Returns false in that case.
 */
export function sendSingleRequest<Req>(
  call: OpenCall,
  method: CallMethod<Req, unknown>,
  request: Req,
): boolean {
  let frame: Frame;
  try {
    frame = frameRequest(method, request);
  } catch (error) {
    const status = serializationFailure(error);
    call.cancelWithStatus(status.code, status.details);
    return false;
  }
  call.sendFrame(frame);
  call.halfClose();
  return true;
}
