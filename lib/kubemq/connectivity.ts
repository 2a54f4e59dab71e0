import { connectivityState, type ChannelInterface } from '@grpc/grpc-js';

/**
 * Reports a gRPC channel's transitions into and out of READY (true: the
 * broker is connected again; false: it went away), until `stopped()`.
 * grpc-js reports every intermediate state; only READY versus not matters here.
 */
export function watchChannel(
  channel: ChannelInterface,
  stopped: () => boolean,
  listener: (connected: boolean) => void,
): void {
  let last = channel.getConnectivityState(false);
  const watch = (): void => {
    if (stopped()) return;
    channel.watchConnectivityState(last, Infinity, (error) => {
      if (error || stopped()) return;
      const next = channel.getConnectivityState(false);
      const wasReady = last === connectivityState.READY;
      const isReady = next === connectivityState.READY;
      last = next;
      if (wasReady !== isReady) listener(isReady);
      watch();
    });
  };
  watch();
}

/**
 * Calls `wake` once, the next time the channel turns READY after having
 * been anything else (a broker that was away is connected again), and keeps
 * the channel dialling meanwhile: grpc-js leaves a channel IDLE after a
 * failed dial until something asks for it. Returns a function that cancels
 * the wait. Never fires for the connection that is already up, so a broker
 * that ends streams while still connected gets no burst of retries.
 */
export function onReconnected(
  channel: ChannelInterface,
  stopped: () => boolean,
  wake: () => void,
): () => void {
  let cancelled = false;
  let wasDown = false;
  const step = (): void => {
    if (cancelled || stopped()) return;
    const state = channel.getConnectivityState(true);
    if (state === connectivityState.READY && wasDown) {
      cancelled = true;
      wake();
      return;
    }
    if (state !== connectivityState.READY) wasDown = true;
    channel.watchConnectivityState(state, Infinity, step);
  };
  step();
  return () => {
    cancelled = true;
  };
}
