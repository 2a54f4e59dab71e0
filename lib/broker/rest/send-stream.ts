import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { KubeMQEvent, KubeMQResult } from '../../kubemq/messages';
import { eventError } from '../validation';
import type { BrokerCore } from './broker-core';
import { readFirstJsonValue } from './go-json-reader';
import { decodeWire, encodeWire } from './wire-json';
import { EVENT_SCHEMA, RESULT_SCHEMA } from './wire-schemas';

const isSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

/**
 * A text frame read as Go's `json.Unmarshal` reads it into an Event: one
 * JSON value and nothing but white space after it; undefined when that
 * fails (the real server then ignores the frame).
 */
function parseEvent(frame: Buffer): KubeMQEvent | undefined {
  try {
    const node = readFirstJsonValue(frame);
    for (let i = node.end; i < frame.length; i += 1) if (!isSpace(frame[i])) return undefined;
    return decodeWire(EVENT_SCHEMA, node);
  } catch {
    return undefined;
  }
}

function frameBytes(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}

/**
 * The REST face's `GET /send/stream` WebSocket (§8.1): each text frame is an
 * Event (plain or Store), and every one that parses is answered with a
 * Result frame, for plain events too (unlike gRPC's SendEventsStream):
 * `{"EventID":..,"Sent":true}`, or `{"Error":..}` (no EventID) when it is
 * invalid. Frames that are not JSON of an Event, and binary frames, get no
 * answer.
 */
export class SendStreams {
  private readonly server = new WebSocketServer({ noServer: true, perMessageDeflate: false });

  constructor(private readonly core: BrokerCore) {}

  /** Completes the handshake and answers the socket's frames from then on. */
  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.server.handleUpgrade(request, socket, head, (ws) => {
      if (this.core.isStopped) return ws.close(1001);
      ws.on('error', () => undefined);
      ws.on('message', (data: RawData, isBinary: boolean) => {
        if (isBinary || this.core.isStopped) return;
        const event = parseEvent(frameBytes(data));
        if (event) this.answer(ws, this.send(event));
      });
    });
  }

  /** Closes every socket (1001, going away). */
  closeAll(): void {
    for (const ws of this.server.clients) ws.close(1001);
  }

  /** Cuts sockets that did not finish closing, and the WebSocket server itself. */
  terminate(): void {
    for (const ws of this.server.clients) ws.terminate();
    this.server.close();
  }

  private send(event: KubeMQEvent): KubeMQResult {
    const problem = eventError(event);
    if (problem) return { EventID: '', Sent: false, Error: problem };
    if (event.Store) return this.core.eventsStore.publish(event);
    return { EventID: this.core.events.publish(event), Sent: true, Error: '' };
  }

  private answer(ws: WebSocket, result: KubeMQResult): void {
    if (ws.readyState === ws.OPEN) ws.send(encodeWire(RESULT_SCHEMA, result));
  }
}
