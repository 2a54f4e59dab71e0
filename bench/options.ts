import { CONTENDERS } from './contenders';
import { type Kind } from './contenders/types';

/** What `npm run bench -- [flags]` asked for. */
export interface BenchOptions {
  quick: boolean;
  install: boolean;
  contenders: string[];
  kinds: Kind[];
  sizes: number[];
  concurrencies: number[];
  /** Warm-up per contender before anything is measured (spread over kinds and sizes). */
  processWarmupMs: number;
  /** Warm-up per contender and cell. */
  warmupMs: number;
  runs: number;
  durationMs: number;
  /** Requests in the memory run (0 skips it). */
  leakRequests: number;
  /** Requests of the allocation runs per contender, kind and body (0 skips them; bodies over 4 KiB: an eighth). */
  allocRequests: number;
  /** Contenders whose sender and responder run with --cpu-prof. */
  profile: string[];
  /** Base name of the result files in bench/results/. */
  out: string;
  /** Ours sends strings (`text`) instead of Buffers (`binary`). */
  oursText: boolean;
  /** A git ref whose lib/ the `ours-base` contender runs (before/after in one run). */
  baseline?: string;
  /** What to measure: request/reply round trips (`rpc`), the events store, queues. */
  suites: Suite[];
  /** Messages per run and contender of the queue benchmark (bench/queues/). */
  queueMessages: number;
  /** Base name of the queue benchmark's result files in bench/results/. */
  queuesOut: string;
}

export type Suite = 'rpc' | 'events-store' | 'queues';
const SUITES: readonly Suite[] = ['rpc', 'events-store', 'queues'];

export const USAGE = `npm run bench -- [flags]

  --quick              about a minute: short warm-ups and runs, a 10k-request memory run
  --install            apt-get install nats-server when missing (as root; CI=true implies it)
  --contenders=a,b     subset of: ${CONTENDERS.map((c) => c.name).join(', ')}
  --kinds=command,query
  --bodies=100,65536   body sizes in bytes
  --concurrency=1,16,64
  --runs=N             measured runs per contender and cell (median reported)
  --warmup=MS          warm-up per contender and cell (after a first warm-up of each process)
  --duration=MS        length of one measured run
  --leak=N             requests in the memory run (0 skips it)
  --alloc=N            requests per allocation run (bytes and GCs per request; 0 skips them)
  --profile=ours       write --cpu-prof profiles of these contenders' processes to bench/results/
  --out=NAME           result files bench/results/NAME.{json,md} (default: latest, latest-quick)
  --ours-text          ours sends strings instead of Buffers (adds UTF-8 encoding and decoding per body)
  --baseline=REF       also run \`ours-base\`: the same Nest apps on lib/ as of git REF (before/after)
  --suites=rpc,events-store,queues  what to measure (default all; events-store alone writes events-store[-quick].{json,md};
                       queues always write queues[-quick].{json,md}, or queues-NAME with --out=NAME)
  --queues=N           messages per run of the queue benchmark (default 2000, --quick 300)

Environment: KUBEMQ_ADDRESS=host:port benchmarks against that broker instead of KubeMQTestBroker.`;

function list(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function numbers(flag: string, value: string): number[] {
  return list(value).map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${flag}: "${s}" is not a whole number`);
    return n;
  });
}

export function parseOptions(argv: string[]): BenchOptions {
  const quick = argv.includes('--quick');
  const options: BenchOptions = {
    quick,
    install: argv.includes('--install') || process.env.CI === 'true',
    contenders: CONTENDERS.map((c) => c.name).filter((name) => name !== 'ours-base'),
    kinds: ['command', 'query'],
    sizes: [100, 65_536],
    concurrencies: [1, 16, 64],
    processWarmupMs: quick ? 1_000 : 8_000,
    warmupMs: quick ? 100 : 1_000,
    runs: quick ? 3 : 5,
    durationMs: quick ? 150 : 2_000,
    leakRequests: quick ? 10_000 : 200_000,
    allocRequests: quick ? 2_000 : 20_000,
    profile: [],
    out: quick ? 'latest-quick' : 'latest',
    oursText: false,
    suites: [...SUITES],
    queueMessages: quick ? 300 : 2_000,
    queuesOut: quick ? 'queues-quick' : 'queues',
  };
  let outGiven = false;
  for (const arg of argv) {
    if (arg === '--quick' || arg === '--install') continue;
    if (arg === '--ours-text') {
      options.oursText = true;
      continue;
    }
    if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    }
    const match = /^--([a-z-]+)=(.*)$/.exec(arg);
    if (!match) throw new Error(`unknown argument "${arg}"\n\n${USAGE}`);
    const [, flag, value] = match;
    switch (flag) {
      case 'contenders':
        options.contenders = list(value);
        for (const name of options.contenders) {
          if (!CONTENDERS.some((c) => c.name === name))
            throw new Error(`unknown contender "${name}"`);
        }
        break;
      case 'kinds':
        options.kinds = list(value).map((k) => {
          if (k !== 'command' && k !== 'query')
            throw new Error(`--kinds: "${k}" is not command or query`);
          return k;
        });
        break;
      case 'bodies':
        options.sizes = numbers('--bodies', value);
        break;
      case 'concurrency':
        options.concurrencies = numbers('--concurrency', value).filter((n) => n > 0);
        break;
      case 'runs':
        options.runs = Math.max(1, numbers('--runs', value)[0]);
        break;
      case 'warmup':
        options.warmupMs = numbers('--warmup', value)[0];
        break;
      case 'duration':
        options.durationMs = Math.max(50, numbers('--duration', value)[0]);
        break;
      case 'leak':
        options.leakRequests = numbers('--leak', value)[0];
        break;
      case 'alloc':
        options.allocRequests = numbers('--alloc', value)[0];
        break;
      case 'profile':
        options.profile = list(value);
        break;
      case 'out':
        options.out = value;
        outGiven = true;
        break;
      case 'suites':
        options.suites = list(value).map((suite) => {
          if (!SUITES.includes(suite as Suite))
            throw new Error(`--suites: "${suite}" is not one of ${SUITES.join(', ')}`);
          return suite as Suite;
        });
        break;
      case 'queues':
        options.queueMessages = Math.max(2, numbers('--queues', value)[0]);
        break;
      case 'baseline':
        options.baseline = value;
        break;
      default:
        throw new Error(`unknown flag --${flag}\n\n${USAGE}`);
    }
  }
  if (outGiven) options.queuesOut = `queues-${options.out}`;
  if (!options.suites.includes('rpc') && !outGiven) {
    options.out = quick ? 'events-store-quick' : 'events-store';
  }
  if (options.baseline && !options.contenders.includes('ours-base')) {
    options.contenders.splice(options.contenders.indexOf('ours') + 1, 0, 'ours-base');
  }
  return options;
}
