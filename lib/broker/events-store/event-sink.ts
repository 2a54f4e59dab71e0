import type { ServerWritableStream } from '@grpc/grpc-js';
import type { KubeMQEventReceive, KubeMQSubscribe } from '../../kubemq/messages';

/**
 * Where one events-store subscriber's events go, with back-pressure: the
 * broker writes while `write` returns true, then waits for `onReady` before
 * writing more, so a slow subscriber is fed at its own pace from the store
 * instead of through an ever-growing buffer.
 */
export interface EventSink {
  /** Hands one event over; false asks the broker to wait for onReady. */
  write(event: KubeMQEventReceive): boolean;
  /** Calls `resume` once, when the subscriber can take more. */
  onReady(resume: () => void): void;
  /** True once the subscriber is gone (nothing written to it could arrive). */
  isClosed(): boolean;
}

/** A SubscribeToEvents gRPC stream as an EventSink (its Writable buffer and 'drain'). */
export function grpcEventSink(
  call: ServerWritableStream<KubeMQSubscribe, KubeMQEventReceive>,
): EventSink {
  return {
    write: (event) => call.write(event),
    onReady: (resume) => call.once('drain', resume),
    isClosed: () => call.cancelled || call.writableEnded,
  };
}
