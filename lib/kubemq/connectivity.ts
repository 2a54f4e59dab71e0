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
