import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import { goJsonString, indentJson } from './go-json-format';

/** A complete HTTP answer, built before it is written (to a response or a raw socket). */
export interface HttpReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export const JSON_TYPE = 'application/json; charset=UTF-8';
export const TEXT_TYPE = 'text/plain; charset=UTF-8';

/** Headers the real REST face puts on every envelope. */
export interface ServerHeaders {
  /** `Broker`: the host name, as in Ping. */
  broker: string;
  /** `X-Powered-By`: `KubeMQ <version>`. */
  poweredBy: string;
}

/**
 * The REST envelope `{"is_error","message","data"}`, written as the real
 * server writes it (echo's JSONPretty with a tab indent, then a newline).
 * `dataJson` is the payload's compact JSON, or `null`.
 */
export function envelope(
  server: ServerHeaders,
  status: number,
  outcome: { error: string } | { data: string },
): HttpReply {
  const isError = 'error' in outcome;
  const message = isError ? outcome.error : 'OK';
  const data = isError ? 'null' : outcome.data;
  const compact = `{"is_error":${isError},"message":${goJsonString(message)},"data":${data}}`;
  return {
    status,
    headers: {
      'Content-Type': JSON_TYPE,
      Broker: server.broker,
      'X-Runtime': `node ${process.version}`,
      'X-Powered-By': server.poweredBy,
    },
    body: `${indentJson(compact)}\n`,
  };
}

/** The compact envelope the server pushes as a WebSocket frame when a subscription fails. */
export function envelopeFrame(error: string): string {
  return `{"is_error":true,"message":${goJsonString(error)},"data":null}`;
}

/** Plain text, as echo's `c.String`. */
export function text(status: number, body: string): HttpReply {
  return { status, headers: { 'Content-Type': TEXT_TYPE }, body };
}

/** Compact JSON plus a newline, as echo's `c.JSON`. */
export function json(status: number, compact: string): HttpReply {
  return { status, headers: { 'Content-Type': JSON_TYPE }, body: `${compact}\n` };
}

/** The REST face's router errors: `{"error_code":404,"message":"Not Found"}`. */
export function routerError(status: 404 | 405 | 413, allow?: string): HttpReply {
  const reply = json(
    status,
    `{"error_code":${status},"message":${goJsonString(STATUS_CODES[status] ?? '')}}`,
  );
  if (allow) reply.headers.Allow = allow;
  return reply;
}

/** Adds echo's CORS headers (any origin) when the request carries an Origin. */
export function withCors(request: IncomingMessage, reply: HttpReply): HttpReply {
  if (request.headers.origin !== undefined) {
    reply.headers['Access-Control-Allow-Origin'] = '*';
    reply.headers.Vary = 'Origin';
  }
  return reply;
}

/** A CORS preflight answer (echo answers every OPTIONS request with 204). */
export function preflight(request: IncomingMessage, allowMethods: string): HttpReply {
  const reply: HttpReply = { status: 204, headers: {}, body: '' };
  if (request.headers.origin === undefined) return reply;
  reply.headers.Vary = 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers';
  reply.headers['Access-Control-Allow-Origin'] = '*';
  reply.headers['Access-Control-Allow-Methods'] = allowMethods;
  const asked = request.headers['access-control-request-headers'];
  if (asked) reply.headers['Access-Control-Allow-Headers'] = asked;
  return reply;
}

/** Writes a reply to a normal HTTP response (unless the client has gone). */
export function send(response: ServerResponse, reply: HttpReply): void {
  if (response.writableEnded || response.destroyed) return;
  const body = Buffer.from(reply.body, 'utf8');
  response.writeHead(reply.status, { ...reply.headers, 'Content-Length': String(body.length) });
  response.end(body);
}

/** Writes a reply straight to the socket of an upgrade request we refuse, then closes it. */
export function sendRaw(socket: Socket, reply: HttpReply): void {
  if (socket.destroyed) return;
  const body = Buffer.from(reply.body, 'utf8');
  const head = [
    `HTTP/1.1 ${reply.status} ${STATUS_CODES[reply.status] ?? ''}`,
    ...Object.entries(reply.headers).map(([name, value]) => `${name}: ${value}`),
    `Content-Length: ${body.length}`,
    'Connection: close',
    '',
    '',
  ].join('\r\n');
  socket.end(Buffer.concat([Buffer.from(head, 'latin1'), body]));
}
