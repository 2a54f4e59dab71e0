/**
 * The `transportId` of ServerKubeMQ. Pass it to `@MessagePattern(pattern, KUBEMQ_TRANSPORT)`
 * to bind a handler to KubeMQ only in a hybrid app with several transports.
 */
export const KUBEMQ_TRANSPORT: unique symbol = Symbol('KUBEMQ_TRANSPORT');

/** Connection states reported by `status` on the server and the client. */
export const KubeMQStatus = {
  CONNECTED: 'connected',
  DISCONNECTED: 'disconnected',
  RECONNECTING: 'reconnecting',
} as const;
export type KubeMQStatus = (typeof KubeMQStatus)[keyof typeof KubeMQStatus];

/** Events a KubeMQ server or client reports through `on(event, callback)`. */
export type KubeMQEvents = {
  /** A subscription was refused, or a response could not be sent. */
  error: (error: Error) => void;
  /** A subscription stream dropped; it is re-opened automatically. */
  disconnect: (error: Error) => void;
  /** A dropped subscription stream was re-opened. */
  reconnect: () => void;
};
