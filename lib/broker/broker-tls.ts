import { ServerCredentials } from '@grpc/grpc-js';
import { readPem } from '../kubemq/tls';

/** TLS for KubeMQTestBroker's gRPC port: PEM file paths or Buffers. */
export interface KubeMQTestBrokerTlsOptions {
  /** The server certificate (chain). */
  cert: string | Buffer;
  /** Its private key. */
  key: string | Buffer;
  /** The CA that client certificates must be signed by (needed with `requireClientCert`). */
  ca?: string | Buffer;
  /**
   * Refuse clients without a certificate signed by `ca` (mutual TLS).
   * KubeMQ Community does not do this (it never asks for a client
   * certificate); Enterprise and TLS-terminating proxies can. Default false.
   */
  requireClientCert?: boolean;
}

/** gRPC server credentials: plaintext without `tls`. */
export function brokerCredentials(tls: KubeMQTestBrokerTlsOptions | undefined): ServerCredentials {
  if (!tls) return ServerCredentials.createInsecure();
  if (tls.requireClientCert && tls.ca === undefined) {
    throw new TypeError("KubeMQTestBroker tls: requireClientCert needs the clients' `ca`");
  }
  return ServerCredentials.createSsl(
    tls.ca === undefined ? null : readPem(tls.ca, 'ca'),
    [{ cert_chain: readPem(tls.cert, 'cert'), private_key: readPem(tls.key, 'key') }],
    tls.requireClientCert === true,
  );
}
