import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { BrokerCore } from './broker-core';
import { json, preflight, send, text, withCors, type HttpReply } from './http-reply';
import { closeHttp, listenHttp } from './listen';

const CLOSE_GRACE_MS = 250;

/**
 * KubeMQ's API face (port 8080 on a real server), the part that health
 * checks use: `GET /health` answers plain text `healthy` and `GET /ready`
 * `{"is_healthy":true,"is_ready":true}` (500 and `not healthy` /
 * `false` once the broker is stopping). The dashboard, config and metrics
 * of the real server are not imitated: other paths are 404.
 */
export class ApiFace {
  private readonly server: Server;
  private port = 0;

  private constructor(private readonly core: BrokerCore) {
    this.server = createServer((request, response) => {
      send(response, withCors(request, this.route(request)));
    });
  }

  /** Starts the API face on host:port (0 picks a free port). */
  static async listen(core: BrokerCore, host: string, port: number): Promise<ApiFace> {
    const face = new ApiFace(core);
    face.port = await listenHttp(face.server, 'API', host, port);
    return face;
  }

  /** The port it listens on. */
  get boundPort(): number {
    return this.port;
  }

  /** Stops accepting connections; cuts open ones after a short grace period. */
  close(): Promise<void> {
    return closeHttp(this.server, CLOSE_GRACE_MS);
  }

  private route(request: IncomingMessage): HttpReply {
    if (request.method === 'OPTIONS') return preflight(request, 'GET,HEAD,PUT,PATCH,POST,DELETE');
    const path = new URL(request.url ?? '/', 'http://broker').pathname;
    const healthy = !this.core.isStopped;
    if (path === '/health' && request.method === 'GET') {
      return healthy ? text(200, 'healthy') : text(500, 'not healthy');
    }
    if (path === '/ready' && request.method === 'GET') {
      return json(healthy ? 200 : 500, `{"is_healthy":${healthy},"is_ready":${healthy}}`);
    }
    return text(404, 'Not Found');
  }
}
