import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { StreamQueueMessagesRequest } from '../../kubemq/queues/queue-messages';
import { StreamTransaction } from '../queues/stream-transaction';
import type { BrokerCore } from './broker-core';
import { readFirstJsonValue } from './go-json-reader';
import { STREAM_REQUEST_SCHEMA, STREAM_RESPONSE_SCHEMA } from './queue-wire-schemas';
import { decodeWire, encodeWire } from './wire-json';

/** A text frame as a stream request, or undefined for what the server ignores. */
function requestOf(data: RawData, isBinary: boolean): StreamQueueMessagesRequest | undefined {
  if (isBinary) return undefined;
  const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
  try {
    return decodeWire(STREAM_REQUEST_SCHEMA, readFirstJsonValue(bytes));
  } catch {
    return undefined;
  }
}

/**
 * The REST face's WebSocket `/queue/stream` (§8.1): one StreamQueueMessage
 * transaction per socket, with requests and responses as compact JSON text
 * frames. Frames that are not a request are ignored; when the transaction
 * ends, the connection is dropped without a close frame, as on the server.
 */
export class WebSocketQueueStreams {
  private readonly server = new WebSocketServer({ noServer: true, perMessageDeflate: false });

  constructor(private readonly core: BrokerCore) {}

  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.server.handleUpgrade(request, socket, head, (ws) => this.serve(ws));
  }

  /** Drops every open socket (after the broker's stop has settled their transactions). */
  terminate(): void {
    for (const ws of this.server.clients) ws.terminate();
  }

  private serve(ws: WebSocket): void {
    let sending = 0;
    let ended = false;
    const drop = (): void => {
      if (ended && sending === 0) ws.terminate();
    };
    const transaction = new StreamTransaction(this.core.queues.engine, {
      write: (response) => {
        if (ws.readyState !== WebSocket.OPEN) return;
        sending += 1;
        ws.send(encodeWire(STREAM_RESPONSE_SCHEMA, response), () => {
          sending -= 1;
          drop();
        });
      },
      end: () => {
        ended = true;
        drop();
      },
    });
    const forget = this.core.queues.keepOpen(() => {
      transaction.abandon();
      ws.terminate();
    });
    ws.on('message', (data, isBinary) => {
      const streamRequest = requestOf(data, isBinary);
      if (streamRequest) transaction.handle(streamRequest);
    });
    ws.on('close', () => {
      forget();
      transaction.abandon();
    });
    ws.on('error', () => undefined);
  }
}
