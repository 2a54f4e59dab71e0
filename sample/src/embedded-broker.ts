import { BrokerListenError, KubeMQTestBroker } from 'nestjs-kubemq/testing';
import type { SampleConfig } from './config';

/** A startup failure with a message for people; main() prints it and exits 1, no stack trace. */
export class StartupError extends Error {}

/** The environment variable that sets each of the broker's ports. */
const PORT_VARIABLE = {
  gRPC: 'KUBEMQ_GRPC_PORT',
  REST: 'KUBEMQ_REST_PORT',
  API: 'KUBEMQ_API_PORT',
} as const;

/**
 * Starts the in-process KubeMQ-compatible broker on the real server's
 * ports (gRPC 50000, REST 9090, API 8080 unless overridden), so the
 * walkthrough's curl and CLI commands work unchanged.
 */
export async function startEmbeddedBroker(config: SampleConfig): Promise<KubeMQTestBroker> {
  const { host, grpcPort, restPort, apiPort } = config.broker;
  try {
    return await KubeMQTestBroker.start({
      host,
      port: grpcPort,
      rest: { port: restPort },
      api: { port: apiPort },
    });
  } catch (error) {
    if (!(error instanceof BrokerListenError)) throw error;
    const variable = PORT_VARIABLE[error.face];
    const why =
      error.code === 'EADDRINUSE'
        ? 'is already in use (is a KubeMQ server or another sample running?)'
        : `cannot be used (${error.code ?? error.message})`;
    throw new StartupError(
      `Cannot start the embedded KubeMQ broker: ${error.face} port ${error.port} on ${error.host} ${why}.\n` +
        `Set ${variable} to another port (0 picks a free one), ` +
        `or set KUBEMQ_ADDRESS=host:port to use a KubeMQ server that is already running.`,
    );
  }
}
