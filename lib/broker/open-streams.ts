import type { ServerDuplexStream, ServerWritableStream } from '@grpc/grpc-js';
import type { CallStatus } from './broker-status';

/** A server stream the broker can end with a status. */
export type EndableStream =
  ServerWritableStream<object, object> | ServerDuplexStream<object, object>;

/**
 * Ends a server stream with `finalStatus` (OK ends it cleanly; anything else
 * becomes the call's error status, sent as trailers after any messages).
 */
export function endStream(call: EndableStream, finalStatus: CallStatus): void {
  if (finalStatus.code === 0) call.end();
  else call.emit('error', finalStatus);
}

/**
 * The server streams that are open right now (subscriptions and events
 * streams), so the broker can end them all when it stops instead of waiting
 * for clients that may never hang up.
 */
export class OpenStreams {
  private readonly closers = new Map<EndableStream, (finalStatus: CallStatus) => void>();

  /**
   * Tracks `call` until it ends (client cancel, our own end, or error).
   * `onEnd` runs once when it does, e.g. to drop its subscription.
   * Returns a function that ends the call with a status (no-op once ended).
   */
  track(call: EndableStream, onEnd: () => void): (finalStatus: CallStatus) => void {
    let ended = false;
    const finish = (): void => {
      if (ended) return;
      ended = true;
      this.closers.delete(call);
      onEnd();
    };
    const close = (finalStatus: CallStatus): void => {
      if (ended) return;
      finish();
      endStream(call, finalStatus);
    };
    this.closers.set(call, close);
    call.once('cancelled', finish);
    call.once('close', finish);
    call.once('finish', finish);
    return close;
  }

  /** Ends every open stream with `finalStatus`. */
  closeAll(finalStatus: CallStatus): void {
    for (const close of [...this.closers.values()]) close(finalStatus);
  }
}
