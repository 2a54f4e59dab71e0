import { connectable, defer, type Observable, ReplaySubject } from 'rxjs';
import { KubeMQError } from '../kubemq/kubemq-error';

/** Runs `publish` at once and replays its outcome to every subscriber, early or late. */
export function published<T>(publish: () => Promise<T>): Observable<T> {
  const source = connectable(defer(publish), {
    connector: () => new ReplaySubject<T>(1),
    resetOnDisconnect: false,
  });
  source.connect();
  return source;
}

/** A failure to publish to `channel` (connecting included), naming it. */
export function publishFailure(channel: string, error: Error): KubeMQError {
  return new KubeMQError(
    `Cannot publish to KubeMQ channel "${channel}": ${error.message}`,
    KubeMQError.grpcCodeOf(error),
    { cause: error },
  );
}
