import { randomUUID } from 'node:crypto';
import { KubeMQErrorText as E } from '../../kubemq/errors';
import {
  QueuesDownstreamRequestType as Type,
  type QueueMessage,
  type QueuesDownstreamRequest,
} from '../../kubemq/queues/queue-messages';
import type { Delivery, QueueEngine } from './queue-engine';
import { sendQueueMessage } from './queue-send';

/** What a settlement request comes to: an error text, the active offsets, or nothing (success). */
export type DownstreamOutcome = { error: string } | { offsets: string[] } | undefined;

/**
 * The messages one QueuesDownstream Get handed out, until they are settled
 * (§6.6). Once nothing is left to settle (all settled, AutoAck, an empty
 * Get, CloseByClient) the transaction is "closed": it still answers, with
 * the server's "... with closed response " errors.
 */
export class DownstreamTransaction {
  readonly id = randomUUID();
  /** Unsettled deliveries by sequence, in sequence order. */
  private readonly active = new Map<string, Delivery>();
  private closed: boolean;

  constructor(
    private readonly engine: QueueEngine,
    deliveries: Delivery[],
  ) {
    for (const delivery of deliveries) this.active.set(String(delivery.entry.sequence), delivery);
    this.closed = this.active.size === 0;
  }

  /** Acks everything (AutoAck). */
  ackAll(): void {
    for (const delivery of this.active.values()) this.engine.ack(delivery);
    this.settled([...this.active.keys()]);
  }

  /** Gives every unsettled message back in place (CloseByClient, the stream going away). */
  releaseAll(): void {
    for (const delivery of this.active.values()) this.engine.release(delivery);
    this.settled([...this.active.keys()]);
  }

  /** Runs one settlement request of this transaction. */
  handle(request: QueuesDownstreamRequest): DownstreamOutcome {
    const range = request.SequenceRange;
    const target = request.ReQueueChannel;
    switch (request.RequestTypeData) {
      case Type.AckAll:
        if (this.closed) return { error: E.downstreamAckClosed };
        this.ackAll();
        return undefined;
      case Type.AckRange:
        if (this.closed) return { error: E.downstreamAckClosed };
        if (range.length === 0) return { error: E.downstreamAckEmptyRange };
        return this.forRange(range, E.downstreamInvalidAckSequence, (d) => this.engine.ack(d));
      case Type.NAckAll:
        if (this.closed) return { error: E.downstreamNAckClosed };
        return this.forAll((d) => this.engine.returnToQueue(d));
      case Type.NAckRange:
        if (this.closed) return { error: E.downstreamNAckClosed };
        if (range.length === 0) return { error: E.downstreamNAckEmptyRange };
        return this.forRange(range, E.downstreamInvalidNAckSequence, (d) =>
          this.engine.returnToQueue(d),
        );
      case Type.ReQueueAll:
        if (this.closed) return { error: E.downstreamAckClosed };
        if (target === '') return { error: E.downstreamReQueueNoChannel };
        return this.forAll((d) => this.requeue(d, target));
      case Type.ReQueueRange:
        if (this.closed) return { error: E.downstreamReQueueClosed };
        if (target === '') return { error: E.downstreamReQueueNoChannel };
        if (range.length === 0) return { error: E.downstreamReQueueEmptyRange };
        return this.forRange(range, E.downstreamInvalidAckSequence, (d) => this.requeue(d, target));
      case Type.ActiveOffsets:
        if (this.closed) return { error: E.downstreamOffsetsClosed };
        return { offsets: [...this.active.keys()] };
      case Type.CloseByClient:
        this.releaseAll();
        return undefined;
      default:
        return { error: E.requestUnknown };
    }
  }

  /** Settles every active message in sequence order; stops at the first failure. */
  private forAll(settle: (delivery: Delivery) => string | void): DownstreamOutcome {
    return this.forRange([...this.active.keys()], '', settle);
  }

  /** Settles the listed sequences in the order given; stops at the first unknown one or failure. */
  private forRange(
    sequences: string[],
    invalidPrefix: string,
    settle: (delivery: Delivery) => string | void,
  ): DownstreamOutcome {
    for (const sequence of sequences) {
      const delivery = this.active.get(sequence);
      if (!delivery) return { error: invalidPrefix + sequence };
      const failure = settle(delivery);
      if (failure) return { error: failure };
      this.settled([sequence]);
    }
    return undefined;
  }

  /** ReQueue: a copy goes to `target` through the whole send path; the original is acked. */
  private requeue(delivery: Delivery, target: string): string | void {
    const original = delivery.entry.message;
    const copy: QueueMessage = {
      ...original,
      Channel: target,
      Attributes: null,
      Policy: { ...original.Policy },
    };
    const { result } = sendQueueMessage(this.engine, copy);
    if (result.IsError) {
      return `${E.downstreamReQueueFailedPrefix}${delivery.entry.sequence} failed, ${result.Error}`;
    }
    this.engine.ack(delivery);
  }

  private settled(sequences: string[]): void {
    for (const sequence of sequences) this.active.delete(sequence);
    if (this.active.size === 0) this.closed = true;
  }
}
