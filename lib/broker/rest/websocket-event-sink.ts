import type { WebSocket } from 'ws';
import type { KubeMQEventReceive } from '../../kubemq/messages';
import type { EventSink } from '../events-store/event-sink';
import { encodeWire } from './wire-json';
import { EVENT_RECEIVE_SCHEMA } from './wire-schemas';

/** Bytes a WebSocket may have queued before the events store waits for it to drain. */
const HIGH_WATER_BYTES = 1024 * 1024;

/**
 * An events-store WebSocket subscriber as an EventSink: each event is one
 * text frame of EventReceive JSON; once a megabyte is queued on the socket
 * the store waits until a send completes with the queue below that again.
 */
export function webSocketEventSink(ws: WebSocket): EventSink {
  let waiting: (() => void) | undefined;
  const sent = (): void => {
    if (!waiting || ws.bufferedAmount >= HIGH_WATER_BYTES) return;
    const resume = waiting;
    waiting = undefined;
    resume();
  };
  return {
    write(event: KubeMQEventReceive): boolean {
      ws.send(encodeWire(EVENT_RECEIVE_SCHEMA, event), sent);
      return ws.bufferedAmount < HIGH_WATER_BYTES;
    },
    onReady(resume: () => void): void {
      waiting = resume;
    },
    isClosed: () => ws.readyState !== ws.OPEN,
  };
}
