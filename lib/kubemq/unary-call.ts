import {
  Metadata,
  status as GrpcStatus,
  type ServiceError,
  type StatusObject,
} from '@grpc/grpc-js';
import { type CallListener, type CallOpener, type OpenCall } from './call-opener';
import {
  decodeReceived,
  frameRequest,
  serializationFailure,
  serviceErrorOf,
  type CallMethod,
} from './channel-call';
import { type DeadlineGuard, type Expiring } from './deadline-guard';
import { type Frame } from './grpc-frame';

/** A unary RPC with its path and codec resolved once. */
export type UnaryMethod<Req, Res> = CallMethod<Req, Res>;

export type UnaryCallback<Res> = (error: ServiceError | null, response?: Res) => void;

/**
 * One unary call without grpc-js's Client layer. It does what
 * `Client.makeUnaryRequest` does for a call without interceptors — same
 * statuses for (de)serialization failures, a missing or an extra response,
 * a deadline — minus what the transport never uses and pays for on every
 * call: the interceptor chain, the per-call EventEmitter, the Error captured
 * up front for its stack, and a timer per call (`deadlines` keeps them all).
 * One object is the call's listener and its deadline entry.
 *
 * Returns a function that cancels the call. `callback` is called once.
 */
export function startUnaryCall<Req, Res>(
  opener: CallOpener,
  deadlines: DeadlineGuard,
  method: UnaryMethod<Req, Res>,
  request: Req,
  deadline: number,
  callback: UnaryCallback<Res>,
): () => void {
  let frame: Frame;
  try {
    frame = frameRequest(method, request);
  } catch (error) {
    process.nextTick(callback, serviceErrorOf(serializationFailure(error)));
    return () => undefined;
  }
  const call = new UnaryCall<Res>(method, deadline, deadlines, callback);
  call.start(opener, frame);
  return () => call.cancel();
}

function ignore(): void {}

class UnaryCall<Res> implements CallListener, Expiring {
  private call!: OpenCall;
  private response: Res | undefined;
  private received = false;
  private readError: StatusObject | null = null;
  private finished = false;

  constructor(
    private readonly method: UnaryMethod<unknown, Res>,
    readonly deadline: number,
    private readonly deadlines: DeadlineGuard,
    private callback: UnaryCallback<Res>,
  ) {}

  start(opener: CallOpener, frame: Frame): void {
    const call = opener.open(this.method.path, this);
    this.call = call;
    this.deadlines.add(this);
    call.startRead();
    call.sendFrame(frame);
    call.halfClose();
  }

  cancel(): void {
    this.call.cancelWithStatus(GrpcStatus.CANCELLED, 'Cancelled on client');
  }

  expire(): void {
    const details = 'Deadline exceeded';
    this.call.cancelWithStatus(GrpcStatus.DEADLINE_EXCEEDED, details);
    // grpc-js reports the cancel's status itself; this ends the call even if
    // a call under it never does (./direct-call), so a caller is never left waiting.
    this.onReceiveStatus({ code: GrpcStatus.DEADLINE_EXCEEDED, details, metadata: new Metadata() });
  }

  onReceiveMetadata(): void {}

  onReceiveMessage(message: Buffer): void {
    if (this.received) {
      this.call.cancelWithStatus(GrpcStatus.UNIMPLEMENTED, 'Too many responses received');
      return;
    }
    this.received = true;
    const decoded = decodeReceived(this.call, this.method, message);
    if (decoded.error) this.readError = decoded.error;
    else this.response = decoded.value;
  }

  onReceiveStatus(status: StatusObject): void {
    if (this.finished) return;
    this.finished = true;
    this.deadlines.delete(this);
    const { callback, response } = this;
    // The caller may keep the cancel function: it need not keep the answer too.
    this.callback = ignore;
    this.response = undefined;
    const final = this.readError ?? status;
    if (final.code !== GrpcStatus.OK) callback(serviceErrorOf(final));
    else if (!this.received) {
      callback(
        serviceErrorOf({
          code: GrpcStatus.UNIMPLEMENTED,
          details: 'No message received',
          metadata: status.metadata ?? new Metadata(),
        }),
      );
    } else callback(null, response);
  }
}
