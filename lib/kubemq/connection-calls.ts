import {
  status as GrpcStatus,
  type ChannelInterface,
  type ChannelOptions,
  type ClientReadableStream,
  type Metadata,
} from '@grpc/grpc-js';
import { CallOpener } from './call-opener';
import { type CallMethod } from './channel-call';
import { type KubeMQConnectionOptions } from './connection-options';
import { DeadlineGuard } from './deadline-guard';
import { DirectCalls } from './direct-calls';
import { DuplexCall } from './duplex-call';
import { KubeMQError } from './kubemq-error';
import { type KubeMQMethods } from './methods';
import { ServerStreamCall, type StreamMethod } from './server-stream-call';
import { startUnaryCall, type UnaryMethod } from './unary-call';

/** One of a connection's prepared methods (./methods). */
export type ConnectionMethod = KubeMQMethods[keyof KubeMQMethods];

/**
 * The calls of one connection: unary calls, server streams and duplex calls
 * opened through its CallOpener (on the connected subchannel or the
 * channel), their deadlines, and the duplex calls to cancel at close.
 * KubeMQConnection gives them names and types; this is how they are made.
 */
export class ConnectionCalls {
  private readonly opener: CallOpener;
  private readonly deadlines = new DeadlineGuard();
  /** Open bidirectional calls, cancelled at close(). */
  private readonly duplexes = new Set<{ cancel(): void }>();
  private closed = false;

  constructor(
    private readonly address: string,
    channel: ChannelInterface,
    metadata: Metadata,
    options: KubeMQConnectionOptions,
    channelOptions: ChannelOptions,
  ) {
    this.opener = new CallOpener(
      channel,
      metadata,
      directCallsAllowed(options, channelOptions) ? DirectCalls.for(channel) : undefined,
      sendLimit(channelOptions),
    );
  }

  /** A unary call as a promise. */
  unary<Req, Res>(method: ConnectionMethod, request: Req, deadline: number): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      this.unaryCall<Req, Res>(method, request, deadline, (error, response) =>
        error ? reject(error) : resolve(response as Res),
      );
    });
  }

  /** A unary call; `callback` is called once. Returns a function that cancels it. */
  unaryCall<Req, Res>(
    method: ConnectionMethod,
    request: Req,
    deadline: number,
    callback: (error: KubeMQError | undefined, response?: Res) => void,
  ): () => void {
    if (this.closed) {
      const error = closedError(this.address);
      process.nextTick(() => callback(error));
      return () => undefined;
    }
    return startUnaryCall<Req, Res>(
      this.opener,
      this.deadlines,
      method as unknown as UnaryMethod<Req, Res>,
      request,
      deadline,
      (error, response) =>
        error ? callback(KubeMQError.fromGrpc(error)) : callback(undefined, response),
    );
  }

  /** One server stream, as the ClientReadableStream subscriptions read. */
  serverStream<Req, Res>(method: ConnectionMethod, request: Req): ClientReadableStream<Res> {
    const call = new ServerStreamCall<Res>(
      this.opener,
      method as unknown as StreamMethod<unknown, Res>,
      request,
    );
    return call.asReadable<Res>();
  }

  /** A bidirectional call, cancelled at close() if still open. */
  duplex<Req, Res>(method: ConnectionMethod): DuplexCall<Req, Res> {
    if (this.closed) throw closedError(this.address);
    const call = new DuplexCall<Req, Res>(this.opener, method as unknown as CallMethod<Req, Res>);
    this.duplexes.add(call);
    call.on('status', () => this.duplexes.delete(call));
    return call;
  }

  /** Cancels the open duplex calls and stops the deadline sweep; later calls fail at once. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const call of this.duplexes) call.cancel();
    this.duplexes.clear();
    this.deadlines.close();
  }
}

export function closedError(address: string): KubeMQError {
  return new KubeMQError(`KubeMQ connection to ${address} is closed`, GrpcStatus.UNAVAILABLE);
}

/**
 * Calls go straight to the subchannel (./direct-calls) unless something the
 * channel's per-call layers would do is asked for: credentials of the
 * caller's own (they may carry call credentials), a service config (retry
 * policies, per-method timeouts, other load balancing), compression.
 */
function directCallsAllowed(
  options: KubeMQConnectionOptions,
  channelOptions: ChannelOptions,
): boolean {
  if (options.credentials) return false;
  return !Object.keys(channelOptions).some(
    (key) => key === 'grpc.service_config' || key.includes('compression'),
  );
}

/** grpc.max_send_message_length (-1: none). */
function sendLimit(channelOptions: ChannelOptions): number {
  const limit = Number(channelOptions['grpc.max_send_message_length']);
  return Number.isFinite(limit) && limit >= 0 ? limit : Infinity;
}
