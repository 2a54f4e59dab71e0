import { readFileSync } from 'node:fs';
import { credentials as grpcCredentials, type ChannelCredentials } from '@grpc/grpc-js';
import { KubeMQError } from './kubemq-error';

/**
 * TLS towards KubeMQ. Each value is a PEM file's path, or its content as a
 * Buffer (or a string that starts with `-----BEGIN`). Error messages name
 * the file, never its content.
 */
export interface KubeMQTlsOptions {
  /** The CA that signed the server's certificate. Default: Node's built-in roots. */
  ca?: string | Buffer;
  /** The client certificate, for servers that require one (mutual TLS); needs `key`. */
  cert?: string | Buffer;
  /** The client certificate's private key; needs `cert`. */
  key?: string | Buffer;
  /**
   * The name the server's certificate must carry, when it differs from the
   * address's host (e.g. connecting by IP to a certificate issued for a DNS name).
   */
  serverName?: string;
}

/** A PEM value as bytes: read from its path, or taken as given. */
export function readPem(value: string | Buffer, what: string): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (typeof value !== 'string' || value.trim() === '') {
    throw new KubeMQError(`TLS ${what} must be a PEM file path or a Buffer with its content`);
  }
  if (value.trimStart().startsWith('-----BEGIN')) return Buffer.from(value);
  try {
    return readFileSync(value);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new KubeMQError(`Cannot read the TLS ${what} file ${value}: ${code}`);
  }
}

/** gRPC channel credentials for `tls`. */
export function tlsChannelCredentials(tls: KubeMQTlsOptions): ChannelCredentials {
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    throw new KubeMQError('TLS options: a client `cert` needs its `key`, and a `key` its `cert`');
  }
  return grpcCredentials.createSsl(
    tls.ca === undefined ? null : readPem(tls.ca, 'ca'),
    tls.key === undefined ? null : readPem(tls.key, 'key'),
    tls.cert === undefined ? null : readPem(tls.cert, 'cert'),
  );
}
