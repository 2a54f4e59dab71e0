import {
  status as GrpcStatus,
  type ChannelInterface,
  type Metadata,
  type ServiceError,
  type StatusObject,
} from '@grpc/grpc-js';
import { decodeReceived, sendSingleRequest, serviceErrorOf, type CallMethod } from './channel-call';

/** A unary RPC with its path and codec resolved once. */
export type UnaryMethod<Req, Res> = CallMethod<Req, Res>;

export type UnaryCallback<Res> = (error: ServiceError | null, response?: Res) => void;

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
      const decoded = decodeReceived(call, method, message);
      if (decoded.error) readError = decoded.error;
      else response = decoded.value;
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
  if (!sendSingleRequest(call, method, request)) return () => undefined;
  return () => call.cancelWithStatus(GrpcStatus.CANCELLED, 'Cancelled on client');
}
