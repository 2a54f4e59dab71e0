import { status as GrpcStatus } from '@grpc/grpc-js';

/**
 * grpc-js's texts for a broker it cannot reach, said plainly. Its
 * UNAVAILABLE details read like "No connection established. Last error:
 * Error: connect ECONNREFUSED 127.0.0.1:50000. Resolution note: ", which
 * is noise in an error a user reads; what matters is the last error.
 */

/**
 * The reason in grpc-js's "No connection established. Last error: ..."
 * text, with the usual TLS failures said plainly; undefined when there is none.
 */
export function connectFailureReason(details: string): string | undefined {
  const match =
    /Last error: (?:Error: )?([\s\S]*?)(?:\s*\(\d{4}-[^)]*\))?\.?\s*(?:Resolution note:.*)?$/.exec(
      details,
    );
  const last = match?.[1]?.trim();
  if (!last) return undefined;
  if (/certificate required/i.test(last)) {
    return 'the server requires a client certificate (mutual TLS): set tls.cert and tls.key';
  }
  if (
    /self[- ]signed|unable to (?:verify|get local issuer)|certificate verify failed/i.test(last)
  ) {
    return `TLS: the server's certificate is not signed by a trusted CA (set tls.ca to the CA that signed it): ${last}`;
  }
  if (/altnames|Hostname\/IP does not match|ERR_TLS_CERT_ALTNAME/i.test(last)) {
    return `TLS: the server's certificate is not for this host (tls.serverName sets the expected name): ${last}`;
  }
  if (/wrong version number|packet length too long|http\/1|unexpected eof/i.test(last)) {
    return `TLS handshake failed (is the server plaintext, or TLS on another port?): ${last}`;
  }
  if (last === 'Failed to connect') {
    return 'Failed to connect: the server closed the connection during the handshake (a TLS port reached without `tls`?)';
  }
  return last;
}

/** The details of a grpc-js error with code `code`, in plain words when it is about reaching KubeMQ. */
export function plainGrpcDetails(code: number | undefined, details: string): string {
  if (code !== GrpcStatus.UNAVAILABLE) return details;
  if (details.startsWith('No connection established')) {
    return `KubeMQ is not reachable: ${connectFailureReason(details) ?? 'no connection'}`;
  }
  if (details === 'Connection dropped') return 'the connection to KubeMQ dropped';
  if (/^read ECONNRESET$|^write EPIPE$/.test(details)) {
    return `the connection to KubeMQ was cut (${details})`;
  }
  return details;
}
