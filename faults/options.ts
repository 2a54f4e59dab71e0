import type { BrokerKind } from './brokers';

/** The scenarios, in the order they run. */
export const SCENARIOS = [
  'rpc',
  'events-store',
  'queues',
  'queues-sigterm',
  'shutdown',
  'hostile',
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/** What `npm run faults -- [flags]` asked for. */
export interface FaultOptions {
  quick: boolean;
  scenarios: ScenarioName[];
  brokers: BrokerKind[];
  /** How long the broker stays down at each restart, ms. */
  downMs: number;
  rpc: { commands: number; concurrency: number; restarts: number; recoveryMs: number };
  eventsStore: { events: number; concurrency: number; restarts: number };
  queues: { messages: number; concurrency: number; restarts: number };
  shutdown: { handlers: number; handlerMs: number; gracePeriodMs: number; queueMessages: number };
  hostile: { cases: number; seeds: number[] };
  /** Base name of the result files in faults/results/. */
  out: string;
}

export const USAGE = `npm run faults -- [flags]

  --quick                  short counts (what CI runs): 1,000 commands, 1 restart per scenario
  --scenarios=a,b          subset of: ${SCENARIOS.join(', ')}
  --brokers=a,b            subset of: test-broker, kubemq (default: both; kubemq only when
                           shared/kubemq-server/start is found, as .ci/run finds it, or
                           KUBEMQ_SERVER_DIR names it)
  --down=MS                how long the broker stays down at each restart (default 1000)
  --out=NAME               result files faults/results/NAME.{json,md} (default: latest, latest-quick)`;

export function parseOptions(argv: string[]): FaultOptions {
  const quick = argv.includes('--quick');
  const options: FaultOptions = {
    quick,
    scenarios: [...SCENARIOS],
    brokers: ['test-broker', 'kubemq'],
    downMs: 1000,
    rpc: {
      commands: quick ? 1000 : 10_000,
      concurrency: 16,
      restarts: quick ? 1 : 3,
      recoveryMs: 2000,
    },
    eventsStore: { events: quick ? 500 : 5000, concurrency: 4, restarts: quick ? 1 : 3 },
    queues: { messages: quick ? 500 : 5000, concurrency: 4, restarts: quick ? 1 : 3 },
    shutdown: { handlers: 100, handlerMs: 2000, gracePeriodMs: 10_000, queueMessages: 20 },
    hostile: quick
      ? { cases: 2000, seeds: [20261130] }
      : { cases: 25_000, seeds: [20261130, 1, 42, 7_777_777] },
    out: quick ? 'latest-quick' : 'latest',
  };
  for (const arg of argv) {
    if (arg === '--quick') continue;
    if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    }
    const match = /^--([a-z]+)=(.*)$/.exec(arg);
    if (!match) throw new Error(`unknown argument "${arg}"\n\n${USAGE}`);
    const [, flag, value] = match;
    const list = value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
    switch (flag) {
      case 'scenarios':
        for (const name of list) {
          if (!(SCENARIOS as readonly string[]).includes(name)) {
            throw new Error(`unknown scenario "${name}" (${SCENARIOS.join(', ')})`);
          }
        }
        options.scenarios = SCENARIOS.filter((name) => list.includes(name));
        break;
      case 'brokers':
        for (const name of list) {
          if (name !== 'test-broker' && name !== 'kubemq')
            throw new Error(`unknown broker "${name}"`);
        }
        options.brokers = list as BrokerKind[];
        break;
      case 'down':
        options.downMs = Number(value);
        if (!Number.isInteger(options.downMs) || options.downMs < 0) {
          throw new Error(`--down: "${value}" is not a whole number of ms`);
        }
        break;
      case 'out':
        options.out = value;
        break;
      default:
        throw new Error(`unknown flag --${flag}\n\n${USAGE}`);
    }
  }
  return options;
}
