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
import { delay } from './delay';
import { DuplexReader, EventsStream, StreamReader } from './stream-readers';

/**
 * A bare gRPC client for the `kubemq.kubemq` service, built straight from
 * the proto's method definitions. Conformance tests use it so that they
 * check the broker on the wire, independently of the transport's own
 * protocol layer, and run unchanged against a real KubeMQ server.
 */

export { delay, DuplexReader, EventsStream, StreamReader };

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
