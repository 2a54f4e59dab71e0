import {
  Metadata,
  status as GrpcStatus,
  type ChannelInterface,
  type ServiceError,
  type StatusObject,
} from '@grpc/grpc-js';

/** A unary RPC with its path and codec resolved once. */
export interface UnaryMethod<Req, Res> {
  path: string;
  requestSerialize(value: Req): Buffer;
  responseDeserialize(bytes: Buffer): Res;
}

export type UnaryCallback<Res> = (error: ServiceError | null, response?: Res) => void;

/** The error grpc-js's Client reports for a status: same message, code, details and metadata. */
export function serviceErrorOf(status: StatusObject): ServiceError {
  const message = `${status.code} ${GrpcStatus[status.code]}: ${status.details}`;
  return Object.assign(new Error(message), status) as ServiceError;
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * One unary call made directly on the channel. It does what grpc-js's
 * `Client.makeUnaryRequest` does for a call without interceptors — same
 * order of operations, same statuses for (de)serialization failures, a
 * missing or an extra response — minus what the transport never uses and
 * pays for on every call: the interceptor chain, the per-call EventEmitter
 * and the Error captured up front for its stack.
 *
 * Returns a function that cancels the call. `callback` is called once.
 */
export function startUnaryCall<Req, Res>(
  channel: ChannelInterface,
  method: UnaryMethod<Req, Res>,
  request: Req,
  metadata: Metadata,
  deadline: number,
  callback: UnaryCallback<Res>,
): () => void {
  const call = channel.createCall(method.path, deadline, null, null, null);
  let response: Res | undefined;
  let received = false;
  let readError: StatusObject | null = null;
  let finished = false;
  call.start(metadata, {
    onReceiveMetadata: () => undefined,
    onReceiveMessage: (message: Buffer) => {
      if (received) {
        call.cancelWithStatus(GrpcStatus.UNIMPLEMENTED, 'Too many responses received');
        return;
      }
      received = true;
      try {
        response = method.responseDeserialize(message);
      } catch (error) {
        readError = {
          code: GrpcStatus.INTERNAL,
          details: `Response message parsing error: ${reason(error)}`,
          metadata: new Metadata(),
        };
        call.cancelWithStatus(readError.code, readError.details);
      }
    },
    onReceiveStatus: (status: StatusObject) => {
      if (finished) return;
      finished = true;
      const final = readError ?? status;
      if (final.code !== GrpcStatus.OK) callback(serviceErrorOf(final));
      else if (!received) {
        callback(
          serviceErrorOf({
            code: GrpcStatus.UNIMPLEMENTED,
            details: 'No message received',
            metadata: status.metadata,
          }),
        );
      } else callback(null, response);
    },
  });
  call.startRead();
  let serialized: Buffer;
  try {
    serialized = method.requestSerialize(request);
  } catch (error) {
    call.cancelWithStatus(
      GrpcStatus.INTERNAL,
      `Request message serialization failure: ${reason(error)}`,
    );
    return () => undefined;
  }
  call.sendMessageWithContext({}, serialized);
  call.halfClose();
  return () => call.cancelWithStatus(GrpcStatus.CANCELLED, 'Cancelled on client');
}
