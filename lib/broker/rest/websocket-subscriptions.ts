import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { KubeMQErrorText } from '../../kubemq/errors';
import { SubscribeType, makeSubscribe, type KubeMQSubscribe } from '../../kubemq/messages';
import { eventSubscriptionError, requestSubscriptionError } from '../validation';
import { requestTypeOf } from '../request-router';
import type { BrokerCore } from './broker-core';
import { envelope, envelopeFrame, type HttpReply, type ServerHeaders } from './http-reply';
import { webSocketEventSink } from './websocket-event-sink';
import { encodeWire } from './wire-json';
import { EVENT_RECEIVE_SCHEMA, REQUEST_SCHEMA } from './wire-schemas';

/** The two subscription endpoints: `/subscribe/requests` and `/subscribe/events`. */
export type SubscriptionKind = 'requests' | 'events';

/** The real server's text for a WebSocket it ends (wrapped with the reason). */
const CONNECTION_CLOSED = 'Error 205: connection was closed by server';

const SUBSCRIBE_TYPES: Record<string, number> = {
  events: SubscribeType.Events,
  events_store: SubscribeType.EventsStore,
  commands: SubscribeType.Commands,
  queries: SubscribeType.Queries,
};

/** Go's strconv.Atoi / ParseInt leniency: anything unparsable is 0. */
function intParam(value: string | null, max: bigint): bigint {
  if (value === null || !/^[+-]?[0-9]+$/.test(value)) return 0n;
  const n = BigInt(value);
  return n > max || n < -max - 1n ? 0n : n;
}

/** The Subscribe the real server builds from the query string. */
export function subscribeFromQuery(params: URLSearchParams): KubeMQSubscribe {
  const storeType = Number(intParam(params.get('events_store_type_data'), 2n ** 63n - 1n));
  return makeSubscribe({
    SubscribeTypeData: SUBSCRIBE_TYPES[params.get('subscribe_type') ?? ''] ?? 0,
    ClientID: params.get('client_id') ?? '',
    Channel: params.get('channel') ?? '',
    Group: params.get('group') ?? '',
    EventsStoreTypeData: storeType >= 0 && storeType <= 6 ? storeType : 0,
    EventsStoreTypeValue: intParam(
      params.get('events_store_type_value'),
      2n ** 63n - 1n,
    ).toString(),
  });
}

/**
 * The WebSocket subscriptions of the REST face: the query string is checked
 * before the upgrade (errors are a plain HTTP 400 envelope); after it, each
 * request or event is pushed as one text frame of compact JSON, until the
 * client goes away or the broker stops.
 */
export class WebSocketSubscriptions {
  private readonly server = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  /** Open sockets and how to end each one's subscription. */
  private readonly open = new Map<WebSocket, () => void>();

  constructor(
    private readonly core: BrokerCore,
    private readonly headers: ServerHeaders,
  ) {}

  /**
   * Checks a subscription's query in the real server's order. Returns the
   * Subscribe to open, or the HTTP 400 reply that refuses it.
   */
  check(kind: SubscriptionKind, params: URLSearchParams): KubeMQSubscribe | HttpReply {
    const subscribe = subscribeFromQuery(params);
    const type = subscribe.SubscribeTypeData;
    const allowed =
      kind === 'requests'
        ? type === SubscribeType.Commands || type === SubscribeType.Queries
        : type === SubscribeType.Events || type === SubscribeType.EventsStore;
    if (!allowed) return this.refuse(KubeMQErrorText.invalidSubscribeType);
    const problem =
      kind === 'requests'
        ? requestSubscriptionError(subscribe)
        : eventSubscriptionError(subscribe, this.core.eventsStore.isClientLive);
    if (problem) return this.refuse(problem);
    return subscribe;
  }

  /** Completes the WebSocket handshake and starts delivering to the socket. */
  upgrade(
    kind: SubscriptionKind,
    subscribe: KubeMQSubscribe,
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
  ): void {
    this.server.handleUpgrade(request, socket, head, (ws) => {
      if (this.core.isStopped) {
        ws.close(1001);
        return;
      }
      const remove = this.subscribe(kind, subscribe, ws);
      if (typeof remove === 'string') {
        // Checked before the upgrade, but another subscriber took the ClientID meanwhile.
        ws.send(envelopeFrame(remove));
        ws.close(1008);
        return;
      }
      this.open.set(ws, remove);
      // The client has nothing to say on this socket; its frames are read and dropped.
      ws.on('message', () => undefined);
      ws.on('error', () => undefined);
      ws.once('close', () => {
        this.open.delete(ws);
        remove();
      });
    });
  }

  /**
   * Ends every subscription: pushes one envelope frame with `reason` (the
   * real server's Error 205 form) and closes the socket (1001, going away).
   */
  closeAll(reason: string): void {
    const frame = envelopeFrame(`reason: ${reason}: ${CONNECTION_CLOSED}`);
    for (const [ws, remove] of this.open) {
      remove();
      this.open.delete(ws);
      try {
        ws.send(frame);
        ws.close(1001);
      } catch {
        ws.terminate();
      }
    }
  }

  /** Cuts sockets that did not finish closing, and the WebSocket server itself. */
  terminate(): void {
    for (const client of this.server.clients) client.terminate();
    this.server.close();
  }

  /** Starts delivering to `ws`; returns the removal, or the refusal text of an events-store subscription. */
  private subscribe(
    kind: SubscriptionKind,
    subscribe: KubeMQSubscribe,
    ws: WebSocket,
  ): (() => void) | string {
    const push = (frame: string): void => {
      if (ws.readyState === ws.OPEN) ws.send(frame);
    };
    if (subscribe.SubscribeTypeData === SubscribeType.EventsStore) {
      const subscription = this.core.eventsStore.subscribe(subscribe, webSocketEventSink(ws));
      return 'error' in subscription ? subscription.error : subscription.close;
    }
    if (kind === 'events') {
      return this.core.events.subscribe({
        pattern: subscribe.Channel,
        group: subscribe.Group,
        deliver: (event) => push(encodeWire(EVENT_RECEIVE_SCHEMA, event)),
      });
    }
    return this.core.requests.subscribe(requestTypeOf(subscribe.SubscribeTypeData), {
      pattern: subscribe.Channel,
      group: subscribe.Group,
      deliver: (request) => push(encodeWire(REQUEST_SCHEMA, request)),
    });
  }

  private refuse(error: string): HttpReply {
    return envelope(this.headers, 400, { error });
  }
}
