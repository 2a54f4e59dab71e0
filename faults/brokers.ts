import { existsSync, accessSync, constants } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ChildProcessBroker } from '../test/support/child-broker';
import { startRealKubeMQ, type OwnBroker } from '../test/support/own-broker';
import { repoRoot } from './paths';

/** Which broker a scenario runs against. */
export type BrokerKind = 'test-broker' | 'kubemq';

/** A broker the runner can SIGKILL and start again on the same ports and store. */
export interface FaultBroker {
  readonly kind: BrokerKind;
  readonly address: string;
  /** SIGKILL; resolves once its ports are closed. */
  kill(): Promise<void>;
  /** SIGTERM (a graceful stop); resolves once it has exited and its ports are closed. */
  terminate(): Promise<void>;
  /** Starts it again on the same ports and store; resolves once it accepts calls. */
  restart(): Promise<void>;
  /** Stops it for good and removes its store. */
  stop(): Promise<void>;
}

/** What each broker is, for the report. */
export const BROKER_LABELS: Record<BrokerKind, string> = {
  'test-broker':
    'KubeMQTestBroker in its own process (`nestjs-kubemq broker --dir`, the store on disk)',
  kubemq: 'KubeMQ Community v2.4.0 (shared/kubemq-server), restarted on the same --dir',
};

/** A fresh broker of `kind` (each scenario gets its own, with an empty store). */
export async function startBroker(kind: BrokerKind, server?: string): Promise<FaultBroker> {
  if (kind === 'kubemq') {
    if (!server) throw new Error('no KubeMQ server start script');
    return wrap(kind, await startRealKubeMQ(server));
  }
  return wrap(kind, await ChildProcessBroker.start(cliScript()));
}

function wrap(kind: BrokerKind, broker: OwnBroker): FaultBroker {
  return {
    kind,
    address: broker.address,
    kill: () => broker.kill(),
    terminate: () => broker.terminate(),
    restart: () => broker.restart(),
    stop: () => broker.stop(),
  };
}

/** The package's command line as compiled with the runner. */
function cliScript(): string {
  return join(__dirname, '..', 'lib', 'cli', 'main.js');
}

/**
 * The real KubeMQ's start script, found as .ci/run finds it:
 * `$KUBEMQ_SERVER_DIR/start`, else `shared/kubemq-server/start` in the
 * project's parent directory or one above it. Undefined when there is none.
 */
export function findKubeMQServer(): string | undefined {
  const fromEnv = process.env.KUBEMQ_SERVER_DIR?.trim();
  if (fromEnv) {
    const start = join(resolve(fromEnv), 'start');
    return executable(start) ? start : undefined;
  }
  let dir = dirname(repoRoot());
  while (dir !== dirname(dir)) {
    const start = join(dir, 'shared', 'kubemq-server', 'start');
    if (executable(start)) return start;
    dir = dirname(dir);
  }
  return undefined;
}

function executable(file: string): boolean {
  if (!existsSync(file)) return false;
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
