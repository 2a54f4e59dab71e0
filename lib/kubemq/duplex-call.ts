import { EventEmitter } from 'node:events';
import { status as GrpcStatus, type Metadata, type StatusObject } from '@grpc/grpc-js';
import { type CallOpener, type OpenCall } from './call-opener';
import {
  decodeReceived,
  frameRequest,
  reason,
  serviceErrorOf,
  type CallMethod,
} from './channel-call';
import { type Frame } from './grpc-frame';

/**
 * A bidirectional call made without grpc-js's Client layer (on the
 * subchannel or the channel: ./call-opener), for streams opened per
 * message (StreamQueueMessage: one per queue message). It emits what a
 * grpc-js ClientDuplexStream emits to a reader — `'data'` for each decoded
 * message, `'error'` (a ServiceError, for a non-OK end) then `'status'` —
 * without the Duplex stream and interceptor layers grpc-js's Client puts on
 * every call (about a fifth of the CPU of a short stream).
 *
 * Writes go out one at a time, each after the previous one was handed to
 * the transport, as the Duplex stream would do.
 */
export class DuplexCall<Req, Res> extends EventEmitter {
  private readonly call: OpenCall;
  private readonly queue: Frame[] = [];
  private writing = false;
  private ended = false;

  constructor(
    opener: CallOpener,
    private readonly method: CallMethod<Req, Res>,
  ) {
    super();
    let readError: StatusObject | null = null;
    const call = opener.open(method.path, {
      onReceiveMetadata: (received: Metadata) => this.emit('metadata', received),
      onReceiveMessage: (message: Buffer) => {
        if (readError) return;
        const decoded = decodeReceived(call, method, message);
        if (decoded.error) {
          readError = decoded.error;
          return;
        }
        this.emit('data', decoded.value);
        if (!this.ended) call.startRead();
      },
      onReceiveStatus: (status: StatusObject) => {
        if (this.ended) return;
        this.ended = true;
        this.queue.length = 0;
        const final = readError ?? status;
        if (final.code !== GrpcStatus.OK) this.emit('error', serviceErrorOf(final));
        this.emit('status', final);
      },
    });
    this.call = call;
    call.startRead();
  }

  /** Sends `message` (after those written before it). False once the call has ended. */
  write(message: Req): boolean {
    if (this.ended) return false;
    let frame: Frame;
    try {
      frame = frameRequest(this.method, message);
    } catch (error) {
      this.call.cancelWithStatus(
        GrpcStatus.INTERNAL,
        `Request message serialization failure: ${reason(error)}`,
      );
      return false;
    }
    this.queue.push(frame);
    this.flush();
    return true;
  }

  /** Ends the call; the broker sees it cancelled. */
  cancel(): void {
    this.call.cancelWithStatus(GrpcStatus.CANCELLED, 'Cancelled on client');
  }

  private flush(): void {
    if (this.writing || this.ended) return;
    const next = this.queue.shift();
    if (!next) return;
    this.writing = true;
    this.call.sendFrame(next, () => {
      this.writing = false;
      this.flush();
    });
  }
}
