/** The sample's settings, all from the environment (see README, "Walkthrough"). */
export interface SampleConfig {
  /** `host:port` of an external KubeMQ; unset: the sample starts its own broker. */
  kubemqAddress: string | undefined;
  /** ClientID base: the server uses it as is, the HTTP-side client adds `-client`. */
  clientId: string;
  authToken: string | undefined;
  /** The Nest app's HTTP port. */
  httpPort: number;
  /** Ports and interface of the embedded broker (ignored with KUBEMQ_ADDRESS). */
  broker: { host: string; grpcPort: number; restPort: number; apiPort: number };
}

/** Thrown for a setting that cannot be used; main() prints it without a stack trace. */
export class ConfigError extends Error {}

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name]?.trim();
  if (!text) return fallback;
  const value = Number(text);
  if (!/^[0-9]+$/.test(text) || value > 65535) {
    throw new ConfigError(`${name}=${text} is not a port number (0-65535; 0 picks a free port)`);
  }
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): SampleConfig {
  return {
    kubemqAddress: env.KUBEMQ_ADDRESS?.trim() || undefined,
    clientId: env.KUBEMQ_CLIENT_ID?.trim() || 'nestjs-kubemq-sample',
    authToken: env.KUBEMQ_AUTH_TOKEN?.trim() || undefined,
    httpPort: port(env, 'PORT', 3000),
    broker: {
      host: env.KUBEMQ_HOST?.trim() || '127.0.0.1',
      grpcPort: port(env, 'KUBEMQ_GRPC_PORT', 50000),
      restPort: port(env, 'KUBEMQ_REST_PORT', 9090),
      apiPort: port(env, 'KUBEMQ_API_PORT', 8080),
    },
  };
}
