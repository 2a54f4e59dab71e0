/**
 * How a `manualAck` queue handler settles its message through the context
 * (`ctx.ack()`, `ctx.reject()`, `ctx.requeue(channel)`). Each resolves once
 * the broker has done it, and rejects (naming the message and the queue)
 * when it cannot: the message was settled already, or went back to the
 * queue (its visibility ran out, the connection was lost, the app closed).
 */
export interface KubeMQQueueSettlement {
  /** Removes the message from the queue: it is done. */
  ack(): Promise<void>;
  /**
   * Hands the message back: KubeMQ appends it to the tail of its queue with
   * ReceiveCount + 1, or, past the message's MaxReceiveCount, moves it to its
   * dead-letter queue (MaxReceiveQueue) or drops it when it has none.
   */
  reject(): Promise<void>;
  /** Moves the message to the queue `channel` (a fresh copy, ReceiveCount from 0) and removes it here. */
  requeue(channel: string): Promise<void>;
}

/** What the context knows about a queue message besides the common fields. */
export interface KubeMQQueueMessageInfo {
  /** How many times KubeMQ has delivered this message, this delivery included (1 the first time). */
  receiveCount: number;
  /** True when KubeMQ moved the message here from another queue (a dead letter, or a requeue). */
  reRouted: boolean;
  /** The queue it was moved from ('' when not re-routed). */
  reRoutedFrom: string;
  /** When the message expires, if it has an expiration. */
  expiresAt: Date | undefined;
  /** The MaxReceiveCount KubeMQ applies (1024 when the sender gave none; 0 on a dead-lettered copy). */
  maxReceiveCount: number;
  /** Where KubeMQ moves the message past MaxReceiveCount ('' = it drops it). */
  deadLetterQueue: string;
}
