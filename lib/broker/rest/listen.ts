import type { Server } from 'node:http';
import { BrokerListenError, type BrokerFace } from '../listen-error';

/**
 * Starts `server` on host:port; resolves with the bound port. A failure
 * (port taken, no permission) becomes a BrokerListenError naming the face.
 */
export function listenHttp(
  server: Server,
  face: BrokerFace,
  host: string,
  port: number,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      reject(new BrokerListenError(face, host, port, BrokerListenError.codeOf(error), error));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

/**
 * Closes `server`: stops accepting, ends idle keep-alive connections at
 * once and cuts the rest after `graceMs`.
 */
export function closeHttp(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    const force = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}
