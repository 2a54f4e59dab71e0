import { randomUUID } from 'node:crypto';
import { KubeMQErrorText } from '../../kubemq/errors';
import {
  QueuesDownstreamRequestType as Type,
  type QueuesDownstreamRequest,
  type QueuesDownstreamResponse,
} from '../../kubemq/queues/queue-messages';
import { QueueCollector } from './queue-collector';
import type { Delivery, QueueEngine } from './queue-engine';
import { QueueLimits } from './queue-limits';
import { cannotSubscribe, queueNameError } from './queue-names';
import { DownstreamTransaction } from './downstream-transaction';

function downstreamResponse(fields: Partial<QueuesDownstreamResponse>): QueuesDownstreamResponse {
  return {
    TransactionId: '',
    RefRequestId: '',
    RequestTypeData: Type.Unknown,
    Messages: [],
    ActiveOffsets: [],
    IsError: false,
    Error: '',
    TransactionComplete: false,
    Metadata: {},
    ...fields,
  };
}

/**
 * One QueuesDownstream stream, as KubeMQ Community runs it (§6.6): requests
 * are handled one after another (a Get holds up the next request until it
 * answers); each Get opens a transaction of this stream; settlements
 * succeed silently and only errors are answered. When the stream goes away,
 * every unsettled message goes back in place.
 */
export class DownstreamSession {
  private readonly transactions = new Map<string, DownstreamTransaction>();
  private pendingGet: QueueCollector | undefined;
  private queue: Promise<void> = Promise.resolve();
  private over = false;

  constructor(
    private readonly engine: QueueEngine,
    private readonly write: (response: QueuesDownstreamResponse) => void,
  ) {}

  handle(request: QueuesDownstreamRequest): void {
    this.queue = this.queue.then(() => (this.over ? undefined : this.process(request)));
  }

  /** The stream ended: what is held goes back in place. */
  abandon(): void {
    if (this.over) return;
    this.over = true;
    this.pendingGet?.cancel().forEach((delivery) => this.engine.release(delivery));
    this.pendingGet = undefined;
    for (const transaction of this.transactions.values()) transaction.releaseAll();
  }

  private process(request: QueuesDownstreamRequest): Promise<void> | void {
    if (request.RequestTypeData === Type.Get) return this.get(request);
    const reference = {
      TransactionId: request.RefTransactionId,
      RefRequestId: request.RequestID,
    };
    const transaction = this.transactions.get(request.RefTransactionId);
    if (!transaction) {
      return this.write(
        downstreamResponse({
          ...reference,
          RequestTypeData: request.RequestTypeData,
          IsError: true,
          Error: KubeMQErrorText.transactionNotFound,
        }),
      );
    }
    const outcome = transaction.handle(request);
    if (!outcome) return;
    if ('offsets' in outcome) {
      return this.write(
        downstreamResponse({
          ...reference,
          RequestTypeData: Type.ActiveOffsets,
          ActiveOffsets: outcome.offsets,
        }),
      );
    }
    const unknown = outcome.error === KubeMQErrorText.requestUnknown;
    this.write(
      downstreamResponse({
        ...reference,
        RequestTypeData: unknown ? Type.Unknown : request.RequestTypeData,
        IsError: true,
        Error: outcome.error,
      }),
    );
  }

  /** Get: up to MaxItems (0: 200000) within WaitTimeout ms (at least 1000). */
  private get(request: QueuesDownstreamRequest): Promise<void> | void {
    const answer = (fields: Partial<QueuesDownstreamResponse>): void =>
      this.write(
        downstreamResponse({
          RefRequestId: request.RequestID,
          RequestTypeData: Type.Get,
          ...fields,
        }),
      );
    let problem: string | undefined;
    if (request.ClientID === '') problem = KubeMQErrorText.emptyClientId;
    else problem = queueNameError(request.Channel);
    if (!problem && cannotSubscribe(request.Channel)) {
      problem = KubeMQErrorText.queueSubscribeFailed;
    }
    if (problem) return answer({ TransactionId: randomUUID(), IsError: true, Error: problem });
    const max = request.MaxItems <= 0 ? QueueLimits.downstreamMaxItems : request.MaxItems;
    const waitMs = Math.max(request.WaitTimeout, QueueLimits.downstreamMinWaitMs);
    return new Promise((resolve) => {
      const done = (got: Delivery[]): void => {
        this.pendingGet = undefined;
        const transaction = new DownstreamTransaction(this.engine, got);
        this.transactions.set(transaction.id, transaction);
        if (request.AutoAck) transaction.ackAll();
        answer({ TransactionId: transaction.id, Messages: got.map((d) => d.message) });
        resolve();
      };
      // Expired messages fill places of the batch and are dropped from it, as on the server.
      this.pendingGet = new QueueCollector(
        this.engine,
        request.Channel,
        max,
        waitMs,
        done,
        undefined,
        true,
      );
    });
  }
}
