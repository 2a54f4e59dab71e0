/**
 * KubeMQ's own error texts (KubeMQ Community v2.4.0), shared by the client's
 * pre-send checks and the in-process broker, so both speak the server's words.
 */
export const KubeMQErrorText = {
  emptyClientId: 'Error 101: invalid clientID value, cannot be empty',
  emptyChannel: 'Error 102: invalid channel value, cannot be empty',
  wildcardChannel: 'Error 107: invalid channel value, no wildcards are allowed',
  whitespaceChannel: 'Error 108: invalid channel value, no white spaces are allowed',
  invalidTimeout: 'Error 109: invalid set timeout value, cannot be 0 or negative',
  emptyMessage: 'Error 110: invalid message, cannot be empty',
  undefinedEventsStoreType: 'Error 111: invalid subscription type, cannot be undefined or 0',
  invalidStartAtSequence:
    'Error 112: invalid subscription type start at sequence value, cannot by 0 or negative',
  invalidStartAtTime:
    'Error 113: invalid subscription type start at time value, cannot by 0 or negative',
  invalidStartAtTimeDelta:
    'Error 114: invalid subscription type start at time delta value, cannot by 0 or negative',
  emptyRequest: 'Error 115: invalid request, cannot be empty',
  invalidCacheTtl: 'Error 116: invalid cache ttl value, cannot be 0 or negative',
  emptyRequestId: 'Error 117: invalid request id, cannot be empty',
  eventsStoreParamsOnEvents:
    'Error 118: event store parameters were set but subscribe type is not event store',
  channelEndsWithDot: 'Error 119: invalid channel value, cannot end with `.`',
  invalidQueueName:
    'Error 120: invalid queue name value, cannot be empty, contains wildcards ,white spaces and end with dot',
  queueSubscribeFailed: 'Error 121: cannot subscribe to a queue',
  /** Note the two trailing spaces: they are the server's. */
  invalidMaxMessages:
    'Error 122: max messages should be between 1 and max message setting in kubemq config  ',
  cannotAck: 'Error 123: cannot ack the current message',
  noActiveMessageToAck: 'Error 124: no active message to ack',
  invalidAckSequence: 'Error 125: ack sequence cannot be 0 or negative',
  noActiveMessageToSend: 'Error 126: no active message to send',
  invalidVisibility:
    'Error 127: invalid visibility time, cannot be negative or exceed setting in kubemq config',
  queueSubscriptionActive: 'Error 128: subscription to queue is already active',
  visibilityExpired: 'Error 129: current visibility timer expired',
  queueSendFailed: 'Error 130: error during send message to queue',
  invalidQueueMessage: 'Error 131: invalid queue message',
  invalidStreamRequestType: 'Error 132: invalid stream queue messages request type',
  invalidExpiration:
    'Error 133: invalid expiration seconds, exceed max expiration seconds setting in kubemq config',
  invalidMaxReceiveCount:
    'Error 134: invalid max received count, cannot be negative or exceed max receive count setting in kubemq config',
  invalidDelay:
    'Error 135: invalid delay seconds, exceed max delay seconds setting in kubemq config',
  invalidWaitTimeout:
    'Error 136: invalid wait timeout, value cannot be negative or exceed max wait timeout seconds setting in kubemq config',
  noActiveMessageToReject: 'Error 137: no active message to reject',
  noNewMessage: 'Error 138: no new message in queue, wait time expired',
  invalidRequestType: 'Error 206: invalid request type',
  invalidSubscribeType: 'Error 207: invalid subscribe type',
  requestTimeout: 'Error 301: timeout for request message',
  serverShutdown: 'Error 409: server is in shutdown mode',
  stanClientIdRegistered: 'stan: clientID already registered',
  emptyBatch: 'empty messages batch',
  noMessagesToSend: 'no messages to send',
  transactionNotFound: 'transaction is completed or transaction id not found',
  requestUnknown: 'request unknown',
  invalidStanClientId:
    'stan: invalid clientID: only alphanumeric and `-` or `_` characters allowed',
  /** Events-store subscribe to a channel STAN cannot name (empty token, leading `.`, `/`). */
  stanInvalidSubject: 'stan: invalid subject',
  /** Events-store subscribe with a Group when the channel or group holds a `:`. */
  stanDurableQueueName:
    "stan: durable name of a durable queue subscriber can't contain the character ':'",
  /** A queue name that is no valid subject for the streaming layer (`a..b`, `.a`, `a/b`). */
  stanInvalidPublish: 'stan: invalid publish request',
  /** A queue name with a tab or line break: the real server answers this after 2 minutes. */
  stanPublishAckTimeout: 'stan: publish ack timeout',
  // QueuesDownstream. The trailing spaces are the server's.
  downstreamAckClosed: 'cannot ack messages with closed response ',
  downstreamNAckClosed: 'cannot nack messages with closed response ',
  downstreamReQueueClosed: 'cannot requeue messages with closed response ',
  downstreamOffsetsClosed: 'cannot get active offsets with closed response ',
  downstreamAckEmptyRange: 'cannot ack empty list of of offsets',
  downstreamNAckEmptyRange: 'cannot nack empty list of of offsets',
  downstreamReQueueEmptyRange: 'cannot requeue empty list of of offsets',
  downstreamReQueueNoChannel: 'cannot requeue messages with empty channel destination ',
  /** Followed by the sequence (AckRange, ReQueueRange). */
  downstreamInvalidAckSequence: 'invalid ack sequence id ',
  /** Followed by the sequence (NAckRange). */
  downstreamInvalidNAckSequence: 'invalid nack sequence id ',
  /** `re-queue message with seq <n> failed, <send error>` (ReQueueAll, ReQueueRange). */
  downstreamReQueueFailedPrefix: 're-queue message with seq ',
} as const;

export type KubeMQErrorTextValue = (typeof KubeMQErrorText)[keyof typeof KubeMQErrorText];
