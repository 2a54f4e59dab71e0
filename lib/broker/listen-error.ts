import { createServer } from 'node:net';

/** Which of the broker's listeners failed to start. */
export type BrokerFace = 'gRPC' | 'REST' | 'API';

/** The option of KubeMQTestBroker.start() that sets each face's port. */
const PORT_OPTION: Record<BrokerFace, string> = {
  gRPC: 'port',
  REST: 'rest: { port }',
  API: 'api: { port }',
};

/**
 * KubeMQTestBroker.start() could not listen on one of its ports. Says which
 * face and port, why (`code` is e.g. `EADDRINUSE`), and which option to change.
 */
export class BrokerListenError extends Error {
  constructor(
    readonly face: BrokerFace,
    readonly host: string,
    readonly port: number,
    /** The system error code, e.g. `EADDRINUSE` or `EACCES`, when known. */
    readonly code: string | undefined,
    cause: unknown,
  ) {
    const reason =
      code === 'EADDRINUSE'
        ? `port ${port} is already in use`
        : code === 'EACCES'
          ? `permission denied for port ${port}`
          : String((cause as Error | undefined)?.message ?? cause);
    super(
      `KubeMQTestBroker cannot listen for ${face} on ${host}:${port}: ${reason}; ` +
        `choose another port with the \`${PORT_OPTION[face]}\` option (0 picks a free one)`,
      { cause },
    );
    this.name = 'BrokerListenError';
  }

  /** Reads the system error code from a listen error (or from grpc-js' wrapped text). */
  static codeOf(error: unknown): string | undefined {
    const code = (error as { code?: unknown } | undefined)?.code;
    if (typeof code === 'string') return code;
    const match = /\b(EADDRINUSE|EACCES|EADDRNOTAVAIL)\b/.exec(String((error as Error)?.message));
    return match?.[1];
  }
}

/**
 * Checks that host:port can be listened on (a moment ago), so that a taken
 * gRPC port is reported by us alone, before grpc-js logs its own error line.
 */
export function probePort(face: BrokerFace, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error) =>
      reject(new BrokerListenError(face, host, port, BrokerListenError.codeOf(error), error)),
    );
    server.listen(port, host, () => server.close(() => resolve()));
  });
}
