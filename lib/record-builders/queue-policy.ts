/**
 * KubeMQ's per-message queue policy (`setPolicy()`). Every field is optional;
 * KubeMQ checks the values (Error 133/134/135/120 when out of range).
 */
export interface KubeMQQueuePolicy {
  /** Seconds after sending (after the delay, if any) when the message expires unread (0 = never; at most 43200). */
  expirationSeconds?: number;
  /** Seconds before the message becomes visible to consumers (at most 43200; KubeMQ checks every 500 ms). */
  delaySeconds?: number;
  /**
   * How many times KubeMQ delivers the message at most (0 or unset = 1024,
   * the server's maximum). A message rejected on its last delivery goes to
   * `maxReceiveQueue`, or is dropped when there is none.
   */
  maxReceiveCount?: number;
  /** The dead-letter queue for a message past `maxReceiveCount`. */
  maxReceiveQueue?: string;
}
