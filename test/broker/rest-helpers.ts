// Shared by the REST face tests: a broker with its REST and API faces (in-process, or a real
// server's when KUBEMQ_ADDRESS and KUBEMQ_REST_ADDRESS are set), HTTP and WebSocket helpers.
import { after, before } from 'node:test';
import { WebSocket } from 'ws';
import { KubeMQTestBroker } from '../../lib/testing';
import { EXTERNAL_ADDRESS } from '../support/broker';
import { RawKubeMQClient } from '../support/raw-kubemq-client';

export const EXTERNAL_REST = process.env.KUBEMQ_REST_ADDRESS?.trim() || undefined;
export const EXTERNAL_API = process.env.KUBEMQ_API_ADDRESS?.trim() || undefined;

/** Reason to skip a REST test: against a real server, its REST address must be given. */
export const NEEDS_REST: string | false =
  EXTERNAL_ADDRESS && !EXTERNAL_REST
    ? `needs the broker's REST face: set KUBEMQ_REST_ADDRESS=host:9090 to run against KUBEMQ_ADDRESS=${EXTERNAL_ADDRESS}`
    : false;

/** Reason to skip an API-face test against a real server without KUBEMQ_API_ADDRESS. */
export const NEEDS_API: string | false =
  EXTERNAL_ADDRESS && !EXTERNAL_API
    ? `needs the broker's API face: set KUBEMQ_API_ADDRESS=host:8080 to run against KUBEMQ_ADDRESS=${EXTERNAL_ADDRESS}`
    : false;

export interface RestBroker {
  /** gRPC host:port. */
  grpc: string;
  /** REST base URL, e.g. http://127.0.0.1:9090. */
  rest: string;
  /** WebSocket base URL of the REST face. */
  ws: string;
  /** API base URL (undefined against a real server without KUBEMQ_API_ADDRESS). */
  api: string | undefined;
  external: boolean;
  broker?: KubeMQTestBroker;
  stop(): Promise<void>;
}

export async function startRestBroker(): Promise<RestBroker> {
  if (EXTERNAL_ADDRESS && EXTERNAL_REST) {
    return {
      grpc: EXTERNAL_ADDRESS,
      rest: `http://${EXTERNAL_REST}`,
      ws: `ws://${EXTERNAL_REST}`,
      api: EXTERNAL_API ? `http://${EXTERNAL_API}` : undefined,
      external: true,
      stop: async () => undefined,
    };
  }
  const broker = await KubeMQTestBroker.start({ rest: true, api: true });
  return {
    grpc: broker.address,
    rest: `http://${broker.restAddress}`,
    ws: `ws://${broker.restAddress}`,
    api: `http://${broker.apiAddress}`,
    external: false,
    broker,
    stop: () => broker.stop(),
  };
}

/**
 * A broker with its faces and a raw gRPC client of it, for the tests of a
 * file: started before them (unless NEEDS_REST skips them), closed after.
 * Read the fields inside the tests.
 */
export function useRestBroker(): { readonly broker: RestBroker; readonly grpc: RawKubeMQClient } {
  const env = {} as { broker: RestBroker; grpc: RawKubeMQClient };
  before(async () => {
    if (NEEDS_REST) return;
    env.broker = await startRestBroker();
    env.grpc = new RawKubeMQClient(env.broker.grpc);
  });
  after(async () => {
    env.grpc?.close();
    await env.broker?.stop();
  });
  return env;
}

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  json: unknown;
}

async function result(response: Response): Promise<HttpResult> {
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

export async function get(url: string): Promise<HttpResult> {
  return result(await fetch(url));
}

/**
 * POSTs `body` (an object is sent as JSON, a string as is) with
 * `Content-Type: application/json` unless `contentType` says otherwise
 * (null sends none).
 */
export async function post(
  url: string,
  body: unknown,
  contentType: string | null = 'application/json',
): Promise<HttpResult> {
  const headers: Record<string, string> = {};
  if (contentType !== null) headers['Content-Type'] = contentType;
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  return result(
    await fetch(url, {
      method: 'POST',
      headers,
      // Without a Content-Type, fetch would add text/plain for a string body.
      body: contentType === null ? new Blob([payload]) : payload,
    }),
  );
}

/** The REST envelope. */
export interface Envelope<T = unknown> {
  is_error: boolean;
  message: string;
  data: T;
}

export const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
export const unb64 = (text: string): string => Buffer.from(text, 'base64').toString('utf8');

/** A WebSocket subscription of the REST face, collecting the frames it receives. */
export class Subscription {
  readonly frames: string[] = [];
  private waiters: Array<() => void> = [];
  readonly closed: Promise<{ code: number }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(String(data));
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.closed = new Promise((resolve) => ws.once('close', (code) => resolve({ code })));
  }

  /**
   * Opens `/subscribe/<path>?<params>`. Resolves once open; rejects with
   * `{ status, body }` when the server refuses the upgrade.
   */
  static open(
    wsBase: string,
    path: 'requests' | 'events',
    params: Record<string, string>,
  ): Promise<Subscription> {
    const url = `${wsBase}/subscribe/${path}?${new URLSearchParams(params)}`;
    const ws = new WebSocket(url);
    const subscription = new Subscription(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(subscription));
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        const socket = res.socket;
        res.on('data', (chunk: Buffer) => (body += chunk));
        res.on('end', () => {
          // A real server keeps the refused connection open (60 s), holding the test process.
          socket.destroy();
          reject(Object.assign(new Error('refused'), { status: res.statusCode, body }));
        });
      });
      ws.once('error', reject);
    });
  }

  /** The `index`-th frame (0-based), parsed as JSON, waiting up to `timeoutMs`. */
  async frame<T = Record<string, unknown>>(index: number, timeoutMs = 5000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length <= index) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no frame #${index} within ${timeoutMs} ms (${this.frames.length} so far)`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return JSON.parse(this.frames[index]) as T;
  }

  close(): void {
    this.ws.close();
  }
}
