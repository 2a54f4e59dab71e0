/**
 * KubeMQ Community's queue limits and defaults (§10 of the protocol notes),
 * as a server with the default configuration applies them.
 */
export const QueueLimits = {
  /** Largest pull batch (Error 122 above it). */
  maxNumberOfMessages: 1024,
  /** Longest wait of a pull, AckAll or stream receive, in seconds (Error 136 above it). */
  maxWaitSeconds: 3600,
  /** The wait used when a request asks for 0 seconds. */
  defaultWaitSeconds: 1,
  /** Error 133 above it. */
  maxExpirationSeconds: 43200,
  /** Error 135 above it. */
  maxDelaySeconds: 43200,
  /** Error 134 above it; also what a MaxReceiveCount of 0 becomes on send. */
  maxReceiveCount: 1024,
  /** Error 127 above it. */
  maxVisibilitySeconds: 43200,
  /** The visibility used when a stream request asks for 0 seconds. */
  defaultVisibilitySeconds: 60,
  /** QueuesDownstream Get: MaxItems when 0 or negative. */
  downstreamMaxItems: 200000,
  /** QueuesDownstream Get: shortest WaitTimeout, in ms. */
  downstreamMinWaitMs: 1000,
  /** How often due delayed messages are moved to their queue. */
  delayCheckMs: 500,
} as const;
