import { status as GrpcStatus, type StatusObject } from '@grpc/grpc-js';
import { type KubeMQConnection } from '../connection';
import { type DuplexCall } from '../duplex-call';
import { KubeMQError } from '../kubemq-error';
import { QueueAnswers } from './queue-answers';
import {
  makeStreamQueueRequest,
  StreamRequestType,
  type QueueMessage,
  type StreamQueueMessagesRequest,
  type StreamQueueMessagesResponse,
  type StreamRequestTypeValue,
} from './queue-messages';

/** What one StreamQueueMessage transaction receives from. */
export interface QueueTransactionOptions {
  channel: string;
  clientId: string;
  /** Seconds the broker hides the message from other receivers (1 to 43200). */
  visibilitySeconds: number;
  /** Seconds the broker waits for a message before it ends the transaction empty (1 to 3600). */
  waitSeconds: number;
  /**
   * How long past `waitSeconds` a receive that got no answer at all is given
   * up (the stream is cancelled and `receive()` resolves empty). Default 3000 ms.
   */
  stallMarginMs?: number;
  /** How long a settlement or visibility change waits for its answer. Default 10000 ms. */
  answerTimeoutMs?: number;
}

/** Why a receive came back without a message. */
export type QueueEmptyReason = 'empty' | 'stalled' | 'abandoned';

interface PendingReceive {
  resolve(message: QueueMessage | undefined): void;
  reject(error: KubeMQError): void;
  timer: NodeJS.Timeout;
  requestId: string;
}

const DEFAULT_STALL_MARGIN_MS = 3_000;
const DEFAULT_ANSWER_TIMEOUT_MS = 10_000;

/**
 * One KubeMQ StreamQueueMessage transaction: a gRPC stream that receives at
 * most one message, holds it hidden from other receivers for the visibility
 * time (which can be extended), and settles it once: ack (removed), reject
 * (back to the tail of the queue with ReceiveCount + 1, or dead-lettered
 * past its MaxReceiveCount) or resend (moved to another queue). A message
 * still held when the stream ends for any other reason (cancel, a lost
 * connection, a crashed process, the visibility running out) is returned to
 * the queue by the broker the same way as a reject.
 *
 * Two things of KubeMQ Community shape it (docs/design.md, Queues through Nest):
 * - the broker can end the stream right after a settlement without sending
 *   the settlement's answer; an OK end after a settlement counts as done;
 * - the broker serves each new stream on one of 200 pooled internal
 *   clients, one stream at a time, so a new stream can wait silently behind
 *   a long-lived one; a receive with no answer `stallMarginMs` past its
 *   wait is cancelled and reported empty (`emptyReason` 'stalled').
 */
export class QueueTransaction {
  private readonly stream: DuplexCall<StreamQueueMessagesRequest, StreamQueueMessagesResponse>;
  private readonly options: QueueTransactionOptions;
  private nextRequestId = 0;
  private readonly answers = new QueueAnswers();
  private receiving: PendingReceive | undefined;
  private received = false;
  private held: QueueMessage | undefined;
  private settling = false;
  private settled = false;
  private ended = false;
  private abandoned = false;
  private stalled = false;
  private lost: KubeMQError | undefined;
  private readonly lostListeners: Array<(reason: KubeMQError) => void> = [];
  private readonly endListeners: Array<() => void> = [];

  /** Opens the stream; throws a KubeMQError when the connection is closed. */
  constructor(connection: KubeMQConnection, options: QueueTransactionOptions) {
    this.options = options;
    this.stream = connection.openDuplexCall<
      StreamQueueMessagesRequest,
      StreamQueueMessagesResponse
    >('StreamQueueMessage');
    this.stream.on('data', (response: StreamQueueMessagesResponse) => this.onResponse(response));
    // 'status' follows every 'error'; it is handled there.
    this.stream.on('error', () => undefined);
    this.stream.on('status', (status: StatusObject) => this.onStatus(status));
  }

  /** Why the last `receive()` came back empty, if it did. */
  get emptyReason(): QueueEmptyReason | undefined {
    if (this.held || !this.received) return undefined;
    if (this.stalled) return 'stalled';
    return this.abandoned ? 'abandoned' : 'empty';
  }

  /** True once the message is settled (acked, rejected or resent) by this transaction. */
  get isSettled(): boolean {
    return this.settled;
  }

  /** Why the held message went back to the broker without being settled here, if it did. */
  get lostReason(): KubeMQError | undefined {
    return this.lost;
  }

  /**
   * Asks for one message and resolves with it, or with `undefined` when none
   * came within the wait (or the transaction was abandoned or stalled).
   * Rejects with a KubeMQError when the broker refuses the request or the
   * stream fails. Call once.
   */
  receive(): Promise<QueueMessage | undefined> {
    if (this.received) {
      return Promise.reject(new KubeMQError('A queue transaction receives only once'));
    }
    this.received = true;
    if (this.ended) return Promise.resolve(undefined);
    const { channel, visibilitySeconds, waitSeconds } = this.options;
    const requestId = this.newRequestId();
    return new Promise((resolve, reject) => {
      const stallAfter =
        waitSeconds * 1000 + (this.options.stallMarginMs ?? DEFAULT_STALL_MARGIN_MS);
      const timer = setTimeout(() => {
        this.stalled = true;
        this.abandon();
      }, stallAfter);
      this.receiving = { resolve, reject, timer, requestId };
      this.write(StreamRequestType.ReceiveMessage, requestId, {
        Channel: channel,
        VisibilitySeconds: visibilitySeconds,
        WaitTimeSeconds: waitSeconds,
      });
    });
  }

  /** Removes the message from the queue; resolves once the broker has done it. */
  ack(): Promise<void> {
    return this.settle(StreamRequestType.AckMessage, {});
  }

  /**
   * Hands the message back: the broker appends it to the tail of its queue
   * with ReceiveCount + 1, or dead-letters (or drops) it past its MaxReceiveCount.
   */
  reject(): Promise<void> {
    return this.settle(StreamRequestType.RejectMessage, {});
  }

  /** Moves the message to the queue `channel` (a fresh copy there) and removes it here. */
  resend(channel: string): Promise<void> {
    return this.settle(StreamRequestType.ResendMessage, { Channel: channel });
  }

  /** Restarts the visibility timer at `seconds` from now. */
  extendVisibility(seconds: number): Promise<void> {
    if (!this.held) return Promise.reject(this.notHolding('extend the visibility of'));
    if (this.settling || this.settled) return Promise.resolve();
    return this.request(StreamRequestType.ModifyVisibility, { VisibilitySeconds: seconds }, false);
  }

  /**
   * Cancels the stream. A message still held goes back to the queue (the
   * broker re-queues it with ReceiveCount + 1); a pending receive resolves
   * empty. Idempotent.
   */
  abandon(): void {
    if (this.ended) return;
    this.abandoned = true;
    this.stream.cancel();
  }

  /** Calls `listener` if the held message goes back to the broker unsettled (once). */
  onLost(listener: (reason: KubeMQError) => void): void {
    if (this.lost) listener(this.lost);
    else this.lostListeners.push(listener);
  }

  /** Calls `listener` once the stream has ended. */
  onEnd(listener: () => void): void {
    if (this.ended) listener();
    else this.endListeners.push(listener);
  }

  private settle(type: StreamRequestTypeValue, fields: Partial<StreamQueueMessagesRequest>) {
    const verb = type === StreamRequestType.AckMessage ? 'ack' : 'settle';
    if (!this.held) return Promise.reject(this.notHolding(verb));
    if (this.lost) return Promise.reject(this.lost);
    if (this.settling || this.settled) {
      return Promise.reject(new KubeMQError('The queue message is already being settled'));
    }
    this.settling = true;
    const refSequence = this.held.Attributes?.Sequence ?? '0';
    return this.request(type, { ...fields, RefSequence: refSequence }, true).then(
      () => {
        this.settled = true;
      },
      (error: KubeMQError) => {
        this.settling = false;
        throw error;
      },
    );
  }

  private request(
    type: StreamRequestTypeValue,
    fields: Partial<StreamQueueMessagesRequest>,
    settles: boolean,
  ): Promise<void> {
    if (this.ended) return Promise.reject(this.lost ?? this.over());
    const requestId = this.newRequestId();
    const timeoutMs = this.options.answerTimeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS;
    // Without an answer, ending the stream leaves nothing held here, whatever the broker did.
    const answered = this.answers.wait(requestId, settles, timeoutMs, () => this.abandon());
    this.write(type, requestId, fields);
    return answered;
  }

  private write(
    type: StreamRequestTypeValue,
    requestId: string,
    fields: Partial<StreamQueueMessagesRequest>,
  ): void {
    this.stream.write(
      makeStreamQueueRequest({
        ...fields,
        RequestID: requestId,
        ClientID: this.options.clientId,
        StreamRequestTypeData: type,
      }),
    );
  }

  private onResponse(response: StreamQueueMessagesResponse): void {
    if (!response.IsError) {
      if (response.Message) this.endReceive(response.Message);
      else this.answers.answer(response.RequestID);
      return;
    }
    const error = new KubeMQError(response.Error);
    // 138 and 129 carry the id of the last request seen, whatever it was.
    if (error.kubemqCode === 138) {
      this.endReceive(undefined);
    } else if (error.kubemqCode === 129) {
      this.markLost(
        new KubeMQError(
          `${response.Error}: the broker handed the message back to the queue (ReceiveCount + 1)`,
        ),
      );
    } else if (this.receiving?.requestId === response.RequestID) {
      this.endReceive(error);
      this.abandon();
    } else {
      this.answers.answer(response.RequestID, error);
    }
  }

  private onStatus(status: StatusObject): void {
    if (this.ended) return;
    this.ended = true;
    const failure =
      status.code === GrpcStatus.OK || this.abandoned
        ? undefined
        : new KubeMQError(
            status.details || `queue stream ended (gRPC status ${status.code})`,
            status.code,
          );
    this.endReceive(failure);
    if (this.answers.end(!failure && !this.abandoned, () => failure ?? this.lost ?? this.over())) {
      this.settled = true;
    }
    if (this.held && !this.settled) {
      let reason = 'KubeMQ ended the transaction; the message went back to the queue';
      if (this.abandoned) reason = 'The message was handed back to the queue';
      if (failure) {
        reason = `The queue stream failed while the message was held (${failure.message}); the broker returns it to the queue`;
      }
      this.markLost(new KubeMQError(reason, failure?.grpcCode));
    }
    const listeners = this.endListeners.splice(0);
    for (const listener of listeners) listener();
  }

  /** Ends a pending receive: with a message, empty (undefined), or failed. */
  private endReceive(outcome: QueueMessage | KubeMQError | undefined): void {
    const receiving = this.receiving;
    if (!receiving) return;
    this.receiving = undefined;
    clearTimeout(receiving.timer);
    if (outcome instanceof KubeMQError) {
      receiving.reject(outcome);
      return;
    }
    this.held = outcome;
    receiving.resolve(outcome);
  }

  private markLost(reason: KubeMQError): void {
    if (this.lost || this.settled) return;
    this.lost = reason;
    this.answers.failAll(reason);
    const listeners = this.lostListeners.splice(0);
    for (const listener of listeners) listener(reason);
  }

  private newRequestId(): string {
    this.nextRequestId += 1;
    return String(this.nextRequestId);
  }

  private notHolding(what: string): KubeMQError {
    return new KubeMQError(`No queue message to ${what} in this transaction`);
  }

  private over(): KubeMQError {
    return new KubeMQError('The queue transaction is over');
  }
}
