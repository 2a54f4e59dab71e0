import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { KUBEMQ_MAX_MESSAGE_BYTES } from '../../kubemq/proto';
import { BROKER_STOPPED } from '../broker-status';
import { eventError, requestError, responseError } from '../validation';
import type { BrokerCore } from './broker-core';
import { BindError, bindBody, BodyTooLargeError, readBody } from './http-bind';
import {
  envelope,
  preflight,
  routerError,
  send,
  sendRaw,
  text,
  withCors,
  type HttpReply,
  type ServerHeaders,
} from './http-reply';
import { closeHttp, listenHttp } from './listen';
import { SendStreams } from './send-stream';
import { QueueRoutes } from './queue-routes';
import { WebSocketQueueStreams } from './websocket-queue-stream';
import { WebSocketSubscriptions, type SubscriptionKind } from './websocket-subscriptions';
import { encodeWire } from './wire-json';
import {
  EVENT_SCHEMA,
  PING_SCHEMA,
  REQUEST_SCHEMA,
  RESPONSE_SCHEMA,
  RESULT_SCHEMA,
} from './wire-schemas';
import type { WireSchema } from './wire-fields';

/** What a route handler gets. */
interface Call {
  request: IncomingMessage;
  /** Absent for upgrade requests answered on the raw socket. */
  response?: ServerResponse;
  body: Buffer;
  url: URL;
}

type Handler = (call: Call) => HttpReply | Promise<HttpReply>;

/** How long stop() lets REST calls and WebSocket closes finish before cutting connections. */
const CLOSE_GRACE_MS = 250;

/** gorilla/websocket's refusal of a plain GET on a WebSocket route. */
const NOT_A_WEBSOCKET =
  "websocket: the client is not using the websocket protocol: 'upgrade' token not found in 'Connection' header";

/** The text the real REST face answers with (HTTP 503) while it does not accept traffic. */
const NOT_READY = 'rest server is not ready to accept requests';

function isWebSocketUpgrade(request: IncomingMessage): boolean {
  return (request.headers.upgrade ?? '').toLowerCase() === 'websocket';
}

/**
 * KubeMQ's REST face (port 9090 on a real server) for KubeMQTestBroker:
 * `GET /`, `GET /ping`, `POST /send/request`, `POST /send/response`,
 * `POST /send/event` (plain or Store), the WebSocket subscriptions `GET
 * /subscribe/requests` and `GET /subscribe/events` (events and events
 * store), and the WebSocket `GET /send/stream`, with the real server's
 * envelope, JSON shapes, status codes and texts. Everything goes through the
 * broker's own validation and routers, so REST and gRPC clients talk to
 * each other. The queue routes (QueueRoutes, WebSocketQueueStreams) share
 * the gRPC side's queues.
 */
export class RestFace {
  private readonly subscriptions: WebSocketSubscriptions;
  private readonly sendStreams: SendStreams;
  private readonly queueStreams: WebSocketQueueStreams;
  private readonly routes: Record<string, Record<string, Handler>>;
  private readonly server: Server;
  private port = 0;

  private constructor(
    private readonly core: BrokerCore,
    private readonly headers: ServerHeaders,
  ) {
    this.subscriptions = new WebSocketSubscriptions(core, headers);
    this.sendStreams = new SendStreams(core);
    this.queueStreams = new WebSocketQueueStreams(core);
    const queues = new QueueRoutes(core, headers);
    this.routes = {
      '/': { GET: () => text(200, 'hi') },
      '/ping': { GET: () => this.ping() },
      '/send/request': { POST: (call) => this.sendRequest(call) },
      '/send/response': { POST: (call) => this.sendResponse(call) },
      '/send/event': { POST: (call) => this.sendEvent(call) },
      '/subscribe/requests': { GET: (call) => this.plainSubscribe('requests', call) },
      '/subscribe/events': { GET: (call) => this.plainSubscribe('events', call) },
      '/send/stream': { GET: () => this.notAWebSocket() },
      '/queue/send': { POST: (call) => queues.send(call.request, call.body) },
      '/queue/send_batch': { POST: (call) => queues.sendBatch(call.request, call.body) },
      '/queue/receive': { POST: (call) => queues.receive(call.request, call.body) },
      '/queue/ack_all': { POST: (call) => queues.ackAll(call.request, call.body) },
      '/queue/info': { GET: (call) => queues.info(call.request, call.body) },
      '/queue/stream': { GET: () => this.notAWebSocket() },
    };
    this.server = createServer((request, response) => this.onRequest(request, response));
    this.server.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) =>
      this.onUpgrade(request, socket, head),
    );
  }

  /** Starts the REST face on host:port (0 picks a free port). */
  static async listen(
    core: BrokerCore,
    headers: ServerHeaders,
    host: string,
    port: number,
  ): Promise<RestFace> {
    const face = new RestFace(core, headers);
    face.port = await listenHttp(face.server, 'REST', host, port);
    return face;
  }

  /** The port it listens on. */
  get boundPort(): number {
    return this.port;
  }

  /**
   * Stops: WebSocket subscribers get one error frame and a close, new
   * connections are refused, and connections still open after a short
   * grace period are cut. Call after the broker's routers have failed
   * waiting requests, so their REST callers get their answer first.
   */
  async close(): Promise<void> {
    this.subscriptions.closeAll(BROKER_STOPPED.details);
    this.sendStreams.closeAll();
    await closeHttp(this.server, CLOSE_GRACE_MS);
    this.subscriptions.terminate();
    this.sendStreams.terminate();
    this.queueStreams.terminate();
  }

  // ---- Dispatch -------------------------------------------------------------------------

  private onRequest(request: IncomingMessage, response: ServerResponse): void {
    this.dispatch(request, response).then(
      (reply) => send(response, withCors(request, reply)),
      () => send(response, envelope(this.headers, 500, { error: 'internal error' })),
    );
  }

  private async dispatch(request: IncomingMessage, response?: ServerResponse): Promise<HttpReply> {
    const url = new URL(request.url ?? '/', 'http://broker');
    const method = request.method ?? 'GET';
    if (method === 'OPTIONS') return preflight(request, 'GET,POST');
    if (this.core.isStopped) return envelope(this.headers, 503, { error: NOT_READY });
    const route = this.routes[url.pathname];
    if (!route) return routerError(404);
    const handler = route[method];
    if (!handler) return routerError(405, ['OPTIONS', ...Object.keys(route)].join(', '));
    let body: Buffer = Buffer.alloc(0);
    // GET /queue/info reads its JSON body too.
    if ((method === 'POST' || url.pathname === '/queue/info') && response) {
      try {
        body = await readBody(request, KUBEMQ_MAX_MESSAGE_BYTES);
      } catch (error) {
        if (error instanceof BodyTooLargeError) return routerError(413);
        throw error;
      }
    }
    return handler({ request, response, body, url });
  }

  private onUpgrade(request: IncomingMessage, socket: Socket, head: Buffer): void {
    socket.on('error', () => undefined);
    const url = new URL(request.url ?? '/', 'http://broker');
    if (
      url.pathname === '/queue/stream' &&
      request.method === 'GET' &&
      isWebSocketUpgrade(request) &&
      !this.core.isStopped
    ) {
      return this.queueStreams.upgrade(request, socket as Duplex, head);
    }
    const kind = this.subscriptionKind(url.pathname);
    const upgrading =
      request.method === 'GET' && isWebSocketUpgrade(request) && !this.core.isStopped;
    if (kind && upgrading) {
      const checked = this.subscriptions.check(kind, url.searchParams);
      if ('status' in checked) return sendRaw(socket, withCors(request, checked));
      return this.subscriptions.upgrade(kind, checked, request, socket as Duplex, head);
    }
    if (url.pathname === '/send/stream' && upgrading) {
      return this.sendStreams.upgrade(request, socket as Duplex, head);
    }
    // Not a subscription: answer it as an ordinary request, on the raw socket.
    this.dispatch(request).then(
      (reply) => sendRaw(socket, withCors(request, reply)),
      () => socket.destroy(),
    );
  }

  private subscriptionKind(path: string): SubscriptionKind | undefined {
    if (path === '/subscribe/requests') return 'requests';
    if (path === '/subscribe/events') return 'events';
    return undefined;
  }

  // ---- Handlers -------------------------------------------------------------------------

  private bind<T>(schema: WireSchema<T>, call: Call): T | HttpReply {
    try {
      return bindBody(schema, call.request, call.body);
    } catch (error) {
      if (error instanceof BindError) return envelope(this.headers, 400, { error: error.message });
      throw error;
    }
  }

  private ping(): HttpReply {
    return envelope(this.headers, 200, { data: encodeWire(PING_SCHEMA, this.core.pingResult()) });
  }

  private sendRequest(call: Call): HttpReply | Promise<HttpReply> {
    const request = this.bind(REQUEST_SCHEMA, call);
    if ('status' in request) return request;
    const problem = requestError(request);
    if (problem) return envelope(this.headers, 400, { error: problem });
    return new Promise((resolve) => {
      let answered = false;
      const abandon = this.core.requests.send(request, (failure, response) => {
        answered = true;
        if (failure) resolve(envelope(this.headers, 400, { error: failure.details }));
        else resolve(envelope(this.headers, 200, { data: encodeWire(RESPONSE_SCHEMA, response) }));
      });
      // The HTTP caller going away ends the wait, as a cancelled gRPC call does.
      call.response?.once('close', () => {
        if (!answered) abandon();
      });
    });
  }

  private sendResponse(call: Call): HttpReply {
    const response = this.bind(RESPONSE_SCHEMA, call);
    if ('status' in response) return response;
    const problem = responseError(response);
    if (problem) return envelope(this.headers, 400, { error: problem });
    this.core.requests.respond(response);
    return envelope(this.headers, 200, { data: 'null' });
  }

  private sendEvent(call: Call): HttpReply {
    const event = this.bind(EVENT_SCHEMA, call);
    if ('status' in event) return event;
    const problem = eventError(event);
    if (problem) return envelope(this.headers, 400, { error: problem });
    const result = event.Store
      ? this.core.eventsStore.publish(event)
      : { EventID: this.core.events.publish(event), Sent: true, Error: '' };
    return envelope(this.headers, 200, { data: encodeWire(RESULT_SCHEMA, result) });
  }

  /**
   * A subscription route reached without a WebSocket handshake: the query
   * is checked as usual; if it passes, the handshake fails the way the real
   * server's does (gorilla's plain-text 400, followed by echo's envelope).
   */
  private plainSubscribe(kind: SubscriptionKind, call: Call): HttpReply {
    const checked = this.subscriptions.check(kind, call.url.searchParams);
    if ('status' in checked) return checked;
    return this.notAWebSocket();
  }

  /** gorilla's plain-text 400 for a WebSocket route reached without a handshake, then echo's envelope. */
  private notAWebSocket(): HttpReply {
    const trailer = envelope(this.headers, 500, { error: NOT_A_WEBSOCKET });
    return {
      status: 400,
      headers: {
        ...trailer.headers,
        'Content-Type': 'text/plain; charset=utf-8',
        'Sec-Websocket-Version': '13',
        'X-Content-Type-Options': 'nosniff',
      },
      body: `Bad Request\n${trailer.body}`,
    };
  }
}
