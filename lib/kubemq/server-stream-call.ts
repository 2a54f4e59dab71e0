import { EventEmitter } from 'node:events';
import {
  Metadata,
  status as GrpcStatus,
  type ChannelInterface,
  type ClientReadableStream,
  type StatusObject,
} from '@grpc/grpc-js';
import { serviceErrorOf } from './unary-call';

/** A server-streaming RPC with its path and codec resolved once. */
export interface StreamMethod<Req, Res> {
  path: string;
  requestSerialize(value: Req): Buffer;
  responseDeserialize(bytes: Buffer): Res;
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A server-streaming call made directly on the channel, for subscriptions:
 * each message is decoded and emitted as `'data'` as soon as it arrives,
 * then the next one is read, without the Readable stream (buffering,
 * nextTick hops) that grpc-js's `makeServerStreamRequest` puts in between.
 * Emits what a grpc-js ClientReadableStream emits to a subscriber — `'data'`,
 * `'error'` (a ServiceError, for a non-OK end) then `'status'` — and can be
 * cancelled the same way.
 */
export class ServerStreamCall<Res> extends EventEmitter {
  private readonly call: ReturnType<ChannelInterface['createCall']>;

  constructor(
    channel: ChannelInterface,
    method: StreamMethod<unknown, Res>,
    request: unknown,
    metadata: Metadata,
  ) {
    super();
    const call = channel.createCall(method.path, Infinity, null, null, null);
    this.call = call;
    let readError: StatusObject | null = null;
    let ended = false;
    call.start(metadata, {
      onReceiveMetadata: (received: Metadata) => this.emit('metadata', received),
      onReceiveMessage: (message: Buffer) => {
        if (readError) return;
        let decoded: Res;
        try {
          decoded = method.responseDeserialize(message);
        } catch (error) {
          readError = {
            code: GrpcStatus.INTERNAL,
            details: `Response message parsing error: ${reason(error)}`,
            metadata: new Metadata(),
          };
          call.cancelWithStatus(readError.code, readError.details);
          return;
        }
        this.emit('data', decoded);
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
    call.startRead();
    let serialized: Buffer;
    try {
      serialized = method.requestSerialize(request);
    } catch (error) {
      call.cancelWithStatus(
        GrpcStatus.INTERNAL,
        `Request message serialization failure: ${reason(error)}`,
      );
      return;
    }
    call.sendMessageWithContext({}, serialized);
    call.halfClose();
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
