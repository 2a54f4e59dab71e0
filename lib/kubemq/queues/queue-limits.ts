/**
 * KubeMQ Community's default queue limits (§10 of the protocol notes). A
 * server can be configured otherwise; these bound what our own options
 * accept, the broker still has the last word on what it is sent.
 */
export const QueueLimits = {
  /** Queue.MaxVisibilitySeconds (Error 127 above it). */
  maxVisibilitySeconds: 43_200,
  /** Queue.DefaultVisibilitySeconds: what the broker uses for 0. */
  defaultVisibilitySeconds: 60,
  /** Queue.MaxWaitTimeoutSeconds (Error 136 above it). */
  maxWaitSeconds: 3_600,
  /** Queue.MaxNumberOfMessages: the largest pull (Error 122 above it). */
  maxPullMessages: 1_024,
  /** Queue.MaxReceiveCount (Error 134 above it); also what the broker stores for 0. */
  maxReceiveCount: 1_024,
} as const;
