import { type KubeMQConnectionOptions } from './connection-options';

const HIDDEN = '[redacted]';

function describePem(value: unknown): unknown {
  // A path names a file and is safe to show; a Buffer or PEM string is the secret itself.
  if (typeof value === 'string' && !value.trimStart().startsWith('-----BEGIN')) return value;
  if (value === undefined) return undefined;
  return HIDDEN;
}

/**
 * Connection options as they may be shown (inspect, logs): the token, key
 * and certificate contents and raw credentials replaced by `[redacted]`;
 * file paths and everything else kept.
 */
export function redactedOptions<T extends KubeMQConnectionOptions>(
  options: T,
): Record<string, unknown> {
  if (!options || typeof options !== 'object') return {};
  const shown: Record<string, unknown> = { ...(options as Record<string, unknown>) };
  if (options.authToken !== undefined) shown.authToken = HIDDEN;
  if (options.credentials !== undefined) shown.credentials = HIDDEN;
  if (options.tls) {
    shown.tls = {
      ...options.tls,
      ca: describePem(options.tls.ca),
      cert: describePem(options.tls.cert),
      key: options.tls.key === undefined ? undefined : HIDDEN,
    };
  }
  return shown;
}
