import {
  status,
  type handleBidiStreamingCall,
  type handleUnaryCall,
  type ServerDuplexStream,
  type UntypedHandleCall,
} from '@grpc/grpc-js';
import { KubeMQErrorText } from '../../kubemq/errors';
import type { KubeMQMethodName } from '../../kubemq/proto';
import type {
  AckAllQueueMessagesRequest,
  AckAllQueueMessagesResponse,
  QueueMessage,
  QueueMessagesBatchRequest,
  QueueMessagesBatchResponse,
  QueuesDownstreamRequest,
  QueuesDownstreamResponse,
  QueuesInfoRequest,
  QueuesInfoResponse,
  QueuesUpstreamRequest,
  QueuesUpstreamResponse,
  ReceiveQueueMessagesRequest,
  ReceiveQueueMessagesResponse,
  SendQueueMessageResult,
  StreamQueueMessagesRequest,
  StreamQueueMessagesResponse,
} from '../../kubemq/queues/queue-messages';
import { BROKER_STOPPED } from '../broker-status';
import { endStream, type OpenStreams } from '../open-streams';
import { DownstreamSession } from './downstream-session';
import { QueueEngine } from './queue-engine';
import { ackAllQueueMessages, receiveQueueMessages, type PendingQueueCall } from './queue-pull';
import { sendQueueMessage } from './queue-send';
import type { QueueStore } from './queue-store';
import { queuesInfo } from './queues-info';
import { StreamTransaction } from './stream-transaction';

/** The queue RPCs of the `kubemq.kubemq` service. */
export type QueueMethodName = Extract<
  KubeMQMethodName,
  | 'SendQueueMessage'
  | 'SendQueueMessagesBatch'
  | 'QueuesUpstream'
  | 'ReceiveQueueMessages'
  | 'AckAllQueueMessages'
  | 'StreamQueueMessage'
  | 'QueuesDownstream'
  | 'QueuesInfo'
>;

/** A batch with no messages: a plain Go error on the real server, so gRPC UNKNOWN. */
const EMPTY_BATCH = { code: status.UNKNOWN, details: KubeMQErrorText.emptyBatch };

/** A bidi call the broker answers on, guarded against writes after it ended. */
function guardedWriter<T>(call: ServerDuplexStream<unknown, T>): (message: T) => void {
  return (message) => {
    if (!call.cancelled && !call.writableEnded) call.write(message);
  };
}

/**
 * The queue side of KubeMQTestBroker's gRPC service (§6): the handlers of
 * the eight queue RPCs over one QueueEngine. Validation and processing
 * errors are answered in-band, as KubeMQ does; only an empty batch and a
 * stopping broker end a call with a gRPC status.
 */
export class QueueGrpcHandlers {
  readonly engine: QueueEngine;
  /** Waiting pulls and AckAlls: fail() gives back what they hold and answers UNAVAILABLE. */
  private readonly pending = new Set<{ fail(): void }>();
  /** Queue streams of the REST face. */
  private readonly others = new Set<() => void>();

  constructor(
    store: QueueStore,
    private readonly streams: OpenStreams,
    private readonly isStopped: () => boolean,
  ) {
    this.engine = new QueueEngine(store);
  }

  /**
   * The broker stops: waiting pulls and AckAlls fail with UNAVAILABLE
   * (what a pull holds goes back in place) and the engine stops. Queue
   * streams are ended by the broker's OpenStreams, which settles them first.
   */
  shutdown(): void {
    for (const call of [...this.pending]) call.fail();
    this.pending.clear();
    for (const abandon of [...this.others]) abandon();
    this.others.clear();
    this.engine.stop();
  }

  /**
   * Runs a pull or AckAll for another face (REST) like a gRPC one: resolves
   * with its answer, or undefined when the broker stops first.
   */
  runPending<T>(
    start: (reply: (response: T) => void) => PendingQueueCall | undefined,
  ): Promise<T | undefined> {
    return new Promise((resolve) => {
      this.wait<T>((error, value) => resolve(error ? undefined : value), start);
    });
  }

  /** Keeps another face's queue stream (a WebSocket) to end when the broker stops; returns its removal. */
  keepOpen(abandon: () => void): () => void {
    this.others.add(abandon);
    return () => this.others.delete(abandon);
  }

  handlers(): Record<QueueMethodName, UntypedHandleCall> {
    return {
      SendQueueMessage: this.sendQueueMessage,
      SendQueueMessagesBatch: this.sendBatch,
      QueuesUpstream: this.upstream,
      ReceiveQueueMessages: this.receive,
      AckAllQueueMessages: this.ackAll,
      StreamQueueMessage: this.streamQueueMessage,
      QueuesDownstream: this.downstream,
      QueuesInfo: this.info,
    };
  }

  private send(messages: QueueMessage[]): { results: SendQueueMessageResult[]; failed: boolean } {
    const outcomes = messages.map((message) => sendQueueMessage(this.engine, message));
    return {
      results: outcomes.map((outcome) => outcome.result),
      failed: outcomes.some((outcome) => outcome.publishFailed),
    };
  }

  private readonly sendQueueMessage: handleUnaryCall<QueueMessage, SendQueueMessageResult> = (
    call,
    callback,
  ) => {
    if (this.isStopped()) return callback(BROKER_STOPPED);
    callback(null, sendQueueMessage(this.engine, call.request).result);
  };

  private readonly sendBatch: handleUnaryCall<
    QueueMessagesBatchRequest,
    QueueMessagesBatchResponse
  > = (call, callback) => {
    if (this.isStopped()) return callback(BROKER_STOPPED);
    const { BatchID, Messages } = call.request;
    if (Messages.length === 0) return callback(EMPTY_BATCH);
    const { results, failed } = this.send(Messages);
    callback(null, { BatchID, Results: results, HaveErrors: failed });
  };

  /** Answers each request by RefRequestID; a client half-close does not end the stream. */
  private readonly upstream: handleBidiStreamingCall<
    QueuesUpstreamRequest,
    QueuesUpstreamResponse
  > = (call) => {
    if (this.isStopped()) return endStream(call, BROKER_STOPPED);
    const write = guardedWriter(call);
    this.streams.track(call, () => undefined);
    call.on('data', (request: QueuesUpstreamRequest) => {
      const reply = { RefRequestID: request.RequestID, IsError: false, Error: '' };
      if (request.Messages.length === 0) {
        return write({
          ...reply,
          Results: [],
          IsError: true,
          Error: KubeMQErrorText.noMessagesToSend,
        });
      }
      write({ ...reply, Results: this.send(request.Messages).results });
    });
    call.on('error', () => undefined);
  };

  private readonly receive: handleUnaryCall<
    ReceiveQueueMessagesRequest,
    ReceiveQueueMessagesResponse
  > = (call, callback) => {
    if (this.isStopped()) return callback(BROKER_STOPPED);
    this.wait(callback, (reply) => receiveQueueMessages(this.engine, call.request, reply));
  };

  private readonly ackAll: handleUnaryCall<
    AckAllQueueMessagesRequest,
    AckAllQueueMessagesResponse
  > = (call, callback) => {
    if (this.isStopped()) return callback(BROKER_STOPPED);
    this.wait(callback, (reply) => ackAllQueueMessages(this.engine, call.request, reply));
  };

  /** Runs a pull or AckAll, keeping it where shutdown() can fail it. */
  private wait<T>(
    callback: (error: typeof BROKER_STOPPED | null, value?: T) => void,
    start: (reply: (response: T) => void) => PendingQueueCall | undefined,
  ): void {
    const entry = {
      handle: undefined as PendingQueueCall | undefined,
      fail: () => {
        entry.handle?.abort();
        callback(BROKER_STOPPED);
      },
    };
    entry.handle = start((response) => {
      this.pending.delete(entry);
      callback(null, response);
    });
    if (entry.handle) this.pending.add(entry);
  }

  private readonly streamQueueMessage: handleBidiStreamingCall<
    StreamQueueMessagesRequest,
    StreamQueueMessagesResponse
  > = (call) => {
    if (this.isStopped()) return endStream(call, BROKER_STOPPED);
    let transaction: StreamTransaction | undefined = undefined;
    // A client that cancels (or a broker that stops) abandons the message in hand.
    const close = this.streams.track(call, () => transaction?.abandon());
    transaction = new StreamTransaction(this.engine, {
      write: guardedWriter(call),
      end: () => close({ code: status.OK, details: 'OK' }),
    });
    const current = transaction;
    call.on('data', (request: StreamQueueMessagesRequest) => current.handle(request));
    call.on('error', () => undefined);
  };

  private readonly downstream: handleBidiStreamingCall<
    QueuesDownstreamRequest,
    QueuesDownstreamResponse
  > = (call) => {
    if (this.isStopped()) return endStream(call, BROKER_STOPPED);
    const session = new DownstreamSession(this.engine, guardedWriter(call));
    this.streams.track(call, () => session.abandon());
    call.on('data', (request: QueuesDownstreamRequest) => session.handle(request));
    call.on('error', () => undefined);
  };

  private readonly info: handleUnaryCall<QueuesInfoRequest, QueuesInfoResponse> = (
    call,
    callback,
  ) => {
    callback(null, queuesInfo(this.engine.store, call.request));
  };
}
