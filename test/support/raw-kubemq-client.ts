import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { startTestBroker, type TestBrokerHandle } from './broker';
import {
  Client,
  credentials,
  Metadata,
  status,
  type ClientDuplexStream,
  type ClientReadableStream,
  type ServiceError,
  type StatusObject,
} from '@grpc/grpc-js';
import type { MethodDefinition } from '@grpc/proto-loader';
import {
  makeEvent,
  makeRequest,
  makeResponse,
  makeSubscribe,
  type KubeMQEvent,
  type KubeMQEventReceive,
  type KubeMQRequest,
  type KubeMQResponse,
  type KubeMQResult,
  type KubeMQSubscribe,
  type PingResult,
  KUBEMQ_MAX_MESSAGE_BYTES,
  kubemqServiceDefinition,
  type KubeMQMethodName,
} from '../../lib';

/**
 * A bare gRPC client for the `kubemq.kubemq` service, built straight from
 * the proto's method definitions. Conformance tests use it so that they
 * check the broker on the wire, independently of the transport's own
 * protocol layer, and run unchanged against a real KubeMQ server.
 */

export const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Time to let a subscription become active: KubeMQ gives no "subscribed" signal. */
export const SUBSCRIBE_SETTLE_MS = 200;

/** Options of one call. */
export interface CallOptions {
  /** gRPC deadline, in ms from now. */
  deadlineMs?: number;
  /** Aborting cancels the call. */
  signal?: AbortSignal;
}

type Empty = Record<string, never>;

/** A server stream: collects what arrives and how it ended. */
export class StreamReader<T> {
  /** Everything received so far, in order. */
  readonly received: T[] = [];
  /** Resolves with the final status once the stream has ended (any code). */
  readonly ended: Promise<StatusObject>;
  private endStatus: StatusObject | undefined;
  private waiters: (() => void)[] = [];

  constructor(private readonly call: ClientReadableStream<T> | ClientDuplexStream<unknown, T>) {
    call.on('data', (message: T) => {
      this.received.push(message);
      this.wake();
    });
    // 'error' carries the status for non-OK ends; 'status' always follows.
    call.on('error', () => undefined);
    this.ended = new Promise((resolve) => {
      call.on('status', (final: StatusObject) => {
        this.endStatus = final;
        this.wake();
        resolve(final);
      });
    });
  }

  /** True once the stream has a final status. */
  get isEnded(): boolean {
    return this.endStatus !== undefined;
  }

  /**
   * Resolves when at least `count` messages have arrived; rejects after
   * `timeoutMs`, or when the stream ends short of that.
   */
  async waitFor(count: number, timeoutMs = 5000): Promise<T[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < count) {
      if (this.endStatus) {
        throw new Error(
          `stream ended (${this.endStatus.code} ${this.endStatus.details}) after ${this.received.length}/${count} messages`,
        );
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`timed out waiting for ${count} messages (got ${this.received.length})`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.received.slice(0, count);
  }

  /** The `index`-th message (0-based), waiting for it if needed. */
  async nth(index: number, timeoutMs = 5000): Promise<T> {
    const messages = await this.waitFor(index + 1, timeoutMs);
    return messages[index];
  }

  /** Calls `listener` with each message that arrives from now on. */
  onMessage(listener: (message: T) => void): void {
    this.call.on('data', listener);
  }

  /** Cancels the stream (the client hangs up). */
  cancel(): void {
    this.call.cancel();
  }

  /**
   * Stops reading: once grpc-js's small buffer is full, HTTP/2 flow control
   * holds the broker's writes back (a slow subscriber).
   */
  pause(): void {
    this.call.pause();
  }

  /** Reads again after pause(). */
  resume(): void {
    this.call.resume();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

/** A SendEventsStream call: write events, read the Results the server chooses to send. */
export class EventsStream extends StreamReader<KubeMQResult> {
  constructor(private readonly duplex: ClientDuplexStream<KubeMQEvent, KubeMQResult>) {
    super(duplex);
  }

  /** Sends one event (fields not given take proto defaults). */
  send(fields: Partial<KubeMQEvent>): void {
    this.duplex.write(makeEvent(fields));
  }

  /** Half-closes: the server then ends the stream with OK. */
  end(): void {
    this.duplex.end();
  }
}

/** A bidi call read in order: next() returns each response once. */
export class DuplexReader<Req, Res> extends StreamReader<Res> {
  private cursor = 0;

  constructor(private readonly duplex: ClientDuplexStream<Req, Res>) {
    super(duplex);
  }

  write(request: Req): void {
    this.duplex.write(request);
  }

  /** Half-closes the client side. */
  end(): void {
    this.duplex.end();
  }

  /** The next response not returned yet, waiting up to `timeoutMs` for it. */
  async next(timeoutMs = 5000): Promise<Res> {
    const message = await this.nth(this.cursor, timeoutMs);
    this.cursor += 1;
    return message;
  }

  /** Asserts that no further response arrives within `ms`. */
  async expectNothing(ms: number): Promise<void> {
    await delay(ms);
    assert.equal(this.received.length, this.cursor, 'no further response');
  }
}

/** Answers each delivered request with the returned response fields (undefined: no answer). */
export type RequestHandler = (
  request: KubeMQRequest,
) => Partial<KubeMQResponse> | undefined | Promise<Partial<KubeMQResponse> | undefined>;

interface Cancellable {
  cancel(): void;
  readonly ended: Promise<StatusObject>;
}

/** A bare `kubemq.kubemq` gRPC client. */
export class RawKubeMQClient {
  private readonly client: Client;
  private readonly methods = kubemqServiceDefinition();
  private readonly metadata = new Metadata();

  constructor(
    readonly address: string,
    options: { authToken?: string } = {},
  ) {
    this.client = new Client(address, credentials.createInsecure(), {
      'grpc.max_receive_message_length': KUBEMQ_MAX_MESSAGE_BYTES,
      'grpc.max_send_message_length': KUBEMQ_MAX_MESSAGE_BYTES,
    });
    if (options.authToken !== undefined) this.metadata.set('authorization', options.authToken);
  }

  /** Any unary RPC, with the request as given. */
  unary<Res>(method: KubeMQMethodName, request: object, options: CallOptions = {}): Promise<Res> {
    const definition = this.method<object, Res>(method);
    return new Promise<Res>((resolve, reject) => {
      const callOptions = options.deadlineMs ? { deadline: Date.now() + options.deadlineMs } : {};
      const call = this.client.makeUnaryRequest(
        definition.path,
        definition.requestSerialize,
        definition.responseDeserialize,
        request,
        this.metadata,
        callOptions,
        (error: ServiceError | null, response?: Res) => {
          if (error) reject(error);
          else resolve(response as Res);
        },
      );
      options.signal?.addEventListener('abort', () => call.cancel(), { once: true });
    });
  }

  ping(): Promise<PingResult> {
    return this.unary<PingResult>('Ping', {});
  }

  sendRequest(fields: Partial<KubeMQRequest>, options?: CallOptions): Promise<KubeMQResponse> {
    return this.unary<KubeMQResponse>('SendRequest', makeRequest(fields), options);
  }

  sendResponse(fields: Partial<KubeMQResponse>): Promise<Empty> {
    return this.unary<Empty>('SendResponse', makeResponse(fields));
  }

  sendEvent(fields: Partial<KubeMQEvent>): Promise<KubeMQResult> {
    return this.unary<KubeMQResult>('SendEvent', makeEvent(fields));
  }

  subscribeToRequests(fields: Partial<KubeMQSubscribe>): StreamReader<KubeMQRequest> {
    return this.track(
      new StreamReader(this.serverStream<KubeMQRequest>('SubscribeToRequests', fields)),
    );
  }

  subscribeToEvents(fields: Partial<KubeMQSubscribe>): StreamReader<KubeMQEventReceive> {
    return this.track(
      new StreamReader(this.serverStream<KubeMQEventReceive>('SubscribeToEvents', fields)),
    );
  }

  openEventsStream(): EventsStream {
    return this.track(new EventsStream(this.bidi<KubeMQEvent, KubeMQResult>('SendEventsStream')));
  }

  /** Any bidi RPC, to write requests on and read its responses one by one. */
  openDuplex<Req, Res>(method: KubeMQMethodName): DuplexReader<Req, Res> {
    return this.track(new DuplexReader(this.bidi<Req, Res>(method)));
  }

  /** Any bidi RPC (no messages written). */
  openBidi<Req, Res>(method: KubeMQMethodName): StreamReader<Res> & { end(): void } {
    const duplex = this.bidi<Req, Res>(method);
    const reader = this.track(new StreamReader<Res>(duplex));
    return Object.assign(reader, { end: () => void duplex.end() });
  }

  /**
   * Subscribes to requests and answers each with `handler`'s fields, adding
   * RequestID and ReplyChannel from the request and ClientID "responder".
   */
  serveRequests(
    fields: Partial<KubeMQSubscribe>,
    handler: RequestHandler,
  ): StreamReader<KubeMQRequest> {
    const reader = this.subscribeToRequests(fields);
    reader.onMessage(async (request) => {
      const reply = await handler(request);
      if (reply === undefined) return;
      await this.sendResponse({
        ClientID: 'responder',
        RequestID: request.RequestID,
        ReplyChannel: request.ReplyChannel,
        ...reply,
      }).catch(() => undefined);
    });
    return reader;
  }

  /** Cancels every stream this client opened, then closes the channel. */
  close(): void {
    for (const stream of this.streams) stream.cancel();
    this.streams.clear();
    this.client.close();
  }

  private readonly streams = new Set<Cancellable>();

  private track<R extends Cancellable>(reader: R): R {
    this.streams.add(reader);
    void reader.ended.then(() => this.streams.delete(reader));
    return reader;
  }

  private serverStream<Res>(
    method: KubeMQMethodName,
    fields: Partial<KubeMQSubscribe>,
  ): ClientReadableStream<Res> {
    const definition = this.method<KubeMQSubscribe, Res>(method);
    return this.client.makeServerStreamRequest(
      definition.path,
      definition.requestSerialize,
      definition.responseDeserialize,
      makeSubscribe(fields),
      this.metadata,
      {},
    );
  }

  private bidi<Req, Res>(method: KubeMQMethodName): ClientDuplexStream<Req, Res> {
    const definition = this.method<Req, Res>(method);
    return this.client.makeBidiStreamRequest(
      definition.path,
      definition.requestSerialize,
      definition.responseDeserialize,
      this.metadata,
      {},
    );
  }

  private method<Req, Res>(name: KubeMQMethodName): MethodDefinition<Req, Res> {
    return this.methods[name] as unknown as MethodDefinition<Req, Res>;
  }
}

/** The gRPC error of a rejected call, or a failure when the call succeeded. */
export async function grpcError(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise;
  } catch (error) {
    return error as ServiceError;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/** Asserts that a unary call fails with exactly this gRPC code and message. */
export async function expectCallError(
  promise: Promise<unknown>,
  code: status,
  details: string,
): Promise<void> {
  const error = await grpcError(promise);
  assert.equal(error.details, details);
  assert.equal(error.code, code, `gRPC code for "${error.details}"`);
}

/** Asserts that a server stream ends with exactly this status and delivered nothing. */
export async function expectStreamError(
  reader: StreamReader<unknown>,
  code: status,
  details: string,
  timeoutMs = 5000,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`stream still open after ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    const final = await Promise.race([reader.ended, timeout]);
    assert.equal(final.details, details);
    assert.equal(final.code, code, `gRPC code for "${final.details}"`);
    assert.equal(reader.received.length, 0, 'no message before the error');
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves with `promise`, or rejects when it takes longer than `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not done within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export { status };

/**
 * Registers `before`/`after` hooks that start a broker (KUBEMQ_ADDRESS when
 * set) and a raw client for the calling test file. Read them inside tests.
 */
export function useRawClient(): {
  readonly broker: TestBrokerHandle;
  readonly client: RawKubeMQClient;
} {
  const env = {} as { broker: TestBrokerHandle; client: RawKubeMQClient };
  before(async () => {
    env.broker = await startTestBroker();
    env.client = new RawKubeMQClient(env.broker.address);
  });
  after(async () => {
    env.client?.close();
    await env.broker?.stop();
  });
  return env;
}
