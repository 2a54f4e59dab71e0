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
  invalidRequestType: 'Error 206: invalid request type',
  invalidSubscribeType: 'Error 207: invalid subscribe type',
  requestTimeout: 'Error 301: timeout for request message',
  serverShutdown: 'Error 409: server is in shutdown mode',
  invalidStanClientId:
    'stan: invalid clientID: only alphanumeric and `-` or `_` characters allowed',
} as const;

export type KubeMQErrorTextValue = (typeof KubeMQErrorText)[keyof typeof KubeMQErrorText];
