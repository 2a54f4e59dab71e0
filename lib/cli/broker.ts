import { resolve } from 'node:path';
import { BrokerListenError } from '../broker/listen-error';
import { KubeMQTestBroker } from '../broker/kubemq-test-broker';
import { integerOption, parse } from './options';
import type { Console } from './rpc';
import { EXIT, usage } from './usage';

/** The command-line flag that sets each face's port. */
const PORT_FLAG = { gRPC: '--port', REST: '--rest-port', API: '--api-port' } as const;

/**
 * `broker`: runs the in-process broker on the real server's ports until a
 * signal. Resolves with the exit code.
 */
export async function runBroker(
  args: string[],
  io: Console,
  stopSignal: Promise<unknown>,
): Promise<number> {
  const parsed = parse(
    args,
    {
      host: { type: 'string' },
      port: { type: 'string' },
      'rest-port': { type: 'string' },
      'api-port': { type: 'string' },
      'no-rest': { type: 'boolean' },
      'no-api': { type: 'boolean' },
      dir: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    'broker',
  );
  if (parsed.values.help) {
    io.out(usage('broker'));
    return EXIT.ok;
  }
  const range = { min: 0, max: 65535 };
  const host = typeof parsed.values.host === 'string' ? parsed.values.host : '127.0.0.1';
  const port = integerOption(parsed, 'port', 50000, 'broker', range);
  const restPort = integerOption(parsed, 'rest-port', 9090, 'broker', range);
  const apiPort = integerOption(parsed, 'api-port', 8080, 'broker', range);
  const dataDir = typeof parsed.values.dir === 'string' ? parsed.values.dir : undefined;
  let broker: KubeMQTestBroker;
  try {
    broker = await KubeMQTestBroker.start({
      host,
      port,
      rest: parsed.values['no-rest'] ? false : { port: restPort },
      api: parsed.values['no-api'] ? false : { port: apiPort },
      dataDir,
    });
  } catch (error) {
    if (error instanceof BrokerListenError) {
      io.err(
        `Cannot start the broker: ${error.face} port ${error.port} on ${error.host} ` +
          `${error.code === 'EADDRINUSE' ? 'is already in use' : `is not available (${error.code ?? error.message})`}. ` +
          `Pick another with ${PORT_FLAG[error.face]} <port> (0 picks a free one).`,
      );
      return EXIT.failure;
    }
    if (dataDir !== undefined && error instanceof Error) {
      io.err(`Cannot start the broker on --dir ${dataDir}: ${error.message}`);
      return EXIT.failure;
    }
    throw error;
  }
  io.out('KubeMQ-compatible broker (nestjs-kubemq test broker) is running:');
  io.out(`  gRPC  ${broker.address}`);
  if (broker.restAddress)
    io.out(`  REST  http://${broker.restAddress}  (WebSocket: ws://${broker.restAddress})`);
  if (broker.apiAddress) io.out(`  API   http://${broker.apiAddress}/health`);
  if (dataDir !== undefined) io.out(`  store ${resolve(dataDir)}`);
  io.out('Press Ctrl-C to stop.');
  await stopSignal;
  await broker.stop();
  io.out('Broker stopped.');
  return EXIT.ok;
}
