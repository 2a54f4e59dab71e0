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
  /** Server: a subscription was refused, or a response could not be sent. */
  error: (error: Error) => void;
  /**
   * Server: its subscriptions dropped (reported once per outage; they are
   * re-opened automatically). Client: its connection to the broker was lost.
   */
  disconnect: (error: Error) => void;
  /** Server: every dropped subscription holds again. Client: connected again. */
  reconnect: () => void;
};
