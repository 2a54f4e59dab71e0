/** Where a queue contender's process connects. */
export interface QueueBenchEnv {
  /** `host:port` of the KubeMQ broker. */
  address: string;
  clientId: string;
}

/** Sends queue messages, one SendQueueMessage each. */
export interface QueueSenderDriver {
  send(channel: string, body: Buffer, done: (error?: unknown) => void): void;
}

/**
 * Consumes a queue with an ack per message (a handler that does nothing),
 * `concurrency` messages at a time, until `count` were handled; calls
 * `onHandled` after each.
 */
export interface QueueConsumerDriver {
  consume(
    channel: string,
    concurrency: number,
    onHandled: () => void,
  ): Promise<{ stop(): Promise<void> }>;
}

/** What a queue contender module exports. */
export interface QueueContenderModule {
  start(env: QueueBenchEnv): Promise<{
    sender: QueueSenderDriver;
    consumer: QueueConsumerDriver;
    close(): Promise<void>;
  }>;
}
