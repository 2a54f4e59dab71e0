import { EventEmitter } from 'node:events';
import {
  status as GrpcStatus,
  type ChannelInterface,
  type Metadata,
  type StatusObject,
} from '@grpc/grpc-js';
import { decodeReceived, serviceErrorOf, type CallMethod, type ChannelCall } from './channel-call';

/**
 * A bidirectional call made directly on the channel, for streams opened per
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
  private readonly call: ChannelCall;
  private readonly queue: Buffer[] = [];
  private writing = false;
  private ended = false;

  constructor(
    channel: ChannelInterface,
    private readonly method: CallMethod<Req, Res>,
    metadata: Metadata,
  ) {
    super();
    const call = channel.createCall(method.path, Infinity, null, null, null);
    this.call = call;
    let readError: StatusObject | null = null;
    call.start(metadata, {
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
    call.startRead();
  }

  /** Sends `message` (after those written before it). False once the call has ended. */
  write(message: Req): boolean {
    if (this.ended) return false;
    let bytes: Buffer;
    try {
      bytes = this.method.requestSerialize(message);
    } catch (error) {
      this.call.cancelWithStatus(
        GrpcStatus.INTERNAL,
        `Request message serialization failure: ${error instanceof Error ? error.message : String(error)}`,
      );
      return false;
    }
    this.queue.push(bytes);
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
    this.call.sendMessageWithContext(
      {
        callback: () => {
          this.writing = false;
          this.flush();
        },
      },
      next,
    );
  }
}
