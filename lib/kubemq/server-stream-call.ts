import { EventEmitter } from 'node:events';
import {
  status as GrpcStatus,
  type ClientReadableStream,
  type Metadata,
  type StatusObject,
} from '@grpc/grpc-js';
import { type CallOpener, type OpenCall } from './call-opener';
import { decodeReceived, sendSingleRequest, serviceErrorOf, type CallMethod } from './channel-call';

/** A server-streaming RPC with its path and codec resolved once. */
export type StreamMethod<Req, Res> = CallMethod<Req, Res>;

/**
 * A server-streaming call made without grpc-js's Client layer (on the
 * subchannel or the channel: ./call-opener), for subscriptions:
 * each message is decoded and emitted as `'data'` as soon as it arrives,
 * then the next one is read, without the Readable stream (buffering,
 * nextTick hops) that grpc-js's `makeServerStreamRequest` puts in between.
 * Emits what a grpc-js ClientReadableStream emits to a subscriber — `'data'`,
 * `'error'` (a ServiceError, for a non-OK end) then `'status'` — and can be
 * cancelled the same way.
 */
export class ServerStreamCall<Res> extends EventEmitter {
  private readonly call: OpenCall;

  constructor(opener: CallOpener, method: StreamMethod<unknown, Res>, request: unknown) {
    super();
    let readError: StatusObject | null = null;
    let ended = false;
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
        if (!ended) call.startRead();
      },
      onReceiveStatus: (status: StatusObject) => {
        if (ended) return;
        ended = true;
        const final = readError ?? status;
        if (final.code !== GrpcStatus.OK) this.emit('error', serviceErrorOf(final));
        this.emit('status', final);
      },
    });
    this.call = call;
    call.startRead();
    sendSingleRequest(call, method, request);
  }

  /** Ends the call; the broker drops the subscription. */
  cancel(): void {
    this.call.cancelWithStatus(GrpcStatus.CANCELLED, 'Cancelled on client');
  }

  /** This call typed as what StreamSubscription consumes (the events and `cancel()` it uses). */
  asReadable<T>(): ClientReadableStream<T> {
    return this as unknown as ClientReadableStream<T>;
  }
}
