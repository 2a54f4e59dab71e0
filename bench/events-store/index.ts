import { ChildHandle } from '../ipc';
import { type LoadResult } from '../load';
import { type BenchOptions } from '../options';
import { script } from '../paths';
import { type ReplayResult, type StoreEnv } from './types';

/** One measured run of one contender in one scenario. */
export interface StoreSample {
  eventsPerSec: number;
  /** CPU of the contender's process per event (µs). */
  cpuUsPerEvent: number;
  /** CPU of the in-process broker per event (µs; NaN for an external KubeMQ). */
  brokerUsPerEvent: number;
  errors: number;
  firstError?: string;
}

export interface StoreScenarioResult {
  scenario: string;
  results: Record<string, { median: StoreSample; runs: StoreSample[] }>;
}

export interface EventsStoreResults {
  backend: string;
  bodyBytes: number;
  contenders: string[];
  scenarios: StoreScenarioResult[];
  skipped?: string;
}

const CONTENDERS = ['raw', 'ours', 'kubemq-js'];
const BODY = 100;

interface Scenario {
  name: string;
  concurrency: number;
  batch: number;
}

const PUBLISH: Scenario[] = [
  { name: 'publish: SendEvent, 1 in flight', concurrency: 1, batch: 1 },
  { name: 'publish: SendEvent, 16 in flight', concurrency: 16, batch: 1 },
  { name: 'publish: SendEventsStream, 4 calls × 64 events in flight', concurrency: 4, batch: 64 },
];

interface Backend {
  address: string;
  description: string;
  cpuUs(): Promise<number>;
  stop(): Promise<void>;
}

async function startBackend(): Promise<Backend> {
  const external = process.env.KUBEMQ_ADDRESS?.trim();
  if (external) {
    return {
      address: external,
      description: `external KubeMQ at ${external} (KUBEMQ_ADDRESS)`,
      cpuUs: async () => Number.NaN,
      stop: async () => undefined,
    };
  }
  const { child, info } = await ChildHandle.start('es-broker', script('broker-process'), [
    'kubemq',
  ]);
  return {
    address: (info as { address: string }).address,
    description: 'KubeMQTestBroker (own process)',
    cpuUs: async () => (await child.stats()).cpuUs,
    stop: () => child.stop(),
  };
}

/**
 * The events-store part of `npm run bench`: publishing one by one and over
 * the stream, and reading a stored backlog, through raw grpc-js, ours and
 * kubemq-js, each in its own process, runs interleaved, medians reported.
 */
export async function benchEventsStore(options: BenchOptions): Promise<EventsStoreResults> {
  const names = CONTENDERS.filter((name) => options.contenders.includes(name));
  const backend = await startBackend();
  const results: EventsStoreResults = {
    backend: backend.description,
    bodyBytes: BODY,
    contenders: names,
    scenarios: [],
  };
  const children = new Map<string, ChildHandle>();
  const runId = Date.now().toString(36);
  try {
    for (const name of names) {
      const env: StoreEnv = { address: backend.address, clientId: `bench-es-${name}-${runId}` };
      const { child } = await ChildHandle.start(
        `es-${name}`,
        script('events-store/store-process'),
        [name, JSON.stringify(env)],
      );
      children.set(name, child);
    }
    const probe = (await children.get(names[0])!.call('publish', {
      channel: `bench.es.${runId}.probe`,
      size: BODY,
      concurrency: 1,
      batch: 1,
      durationMs: 50,
    })) as LoadResult;
    if (probe.errors > 0 && probe.requests === 0) {
      results.skipped = `the broker refused a stored event: ${probe.firstError?.split('\n')[0]}`;
      console.log(`[bench] events store skipped: ${results.skipped}`);
      return results;
    }
    const runs = options.runs;
    const durationMs = options.durationMs;
    console.log(`[bench] events store: warming up`);
    for (const [name, child] of children) {
      for (const scenario of PUBLISH) {
        await child.call('publish', {
          channel: `bench.es.${runId}.${name}.warm`,
          size: BODY,
          concurrency: scenario.concurrency,
          batch: scenario.batch,
          durationMs: options.quick ? 200 : 1_000,
        });
      }
    }
    for (const [index, scenario] of PUBLISH.entries()) {
      const samples = new Map<string, StoreSample[]>(names.map((n) => [n, []]));
      for (let run = 0; run < runs; run += 1) {
        for (const name of rotate(names, run)) {
          const broker0 = await backend.cpuUs();
          const load = (await children.get(name)!.call(
            'publish',
            {
              channel: `bench.es.${runId}.${name}.${index}`,
              size: BODY,
              concurrency: scenario.concurrency,
              batch: scenario.batch,
              durationMs,
            },
            durationMs + 60_000,
          )) as LoadResult;
          const brokerUs = (await backend.cpuUs()) - broker0;
          const events = load.requests * scenario.batch;
          samples.get(name)!.push({
            eventsPerSec: (events / load.wallMs) * 1000,
            cpuUsPerEvent: load.cpuUs / events,
            brokerUsPerEvent: brokerUs / events,
            errors: load.errors,
            firstError: load.firstError,
          });
        }
      }
      results.scenarios.push(summarize(scenario.name, samples));
      printScenario(results.scenarios[results.scenarios.length - 1]);
    }
    const backlog = options.quick ? 5_000 : 20_000;
    const samples = new Map<string, StoreSample[]>(names.map((n) => [n, []]));
    const filler = children.get('raw') ?? children.get(names[0])!;
    for (let run = 0; run < Math.max(1, Math.min(runs, 3)); run += 1) {
      for (const name of rotate(names, run)) {
        const channel = `bench.es.${runId}.${name}.replay${run}`;
        await filler.call('fill', { channel, size: BODY, count: backlog }, 120_000);
        const broker0 = await backend.cpuUs();
        const replay = (await children
          .get(name)!
          .call('replay', { channel, count: backlog }, 120_000)) as ReplayResult;
        const brokerUs = (await backend.cpuUs()) - broker0;
        samples.get(name)!.push({
          eventsPerSec: (replay.events / replay.ms) * 1000,
          cpuUsPerEvent: replay.cpuUs / replay.events,
          brokerUsPerEvent: brokerUs / replay.events,
          errors: 0,
        });
      }
    }
    results.scenarios.push(
      summarize(`subscribe: replay ${backlog.toLocaleString('en-US')} stored events`, samples),
    );
    printScenario(results.scenarios[results.scenarios.length - 1]);
  } finally {
    for (const child of children.values()) await child.stop();
    await backend.stop();
  }
  return results;
}

function rotate<T>(items: T[], by: number): T[] {
  const shift = by % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

function summarize(scenario: string, samples: Map<string, StoreSample[]>): StoreScenarioResult {
  const results: StoreScenarioResult['results'] = {};
  for (const [name, runs] of samples) {
    const sorted = [...runs].sort((a, b) => a.eventsPerSec - b.eventsPerSec);
    results[name] = { median: sorted[Math.floor(sorted.length / 2)], runs };
  }
  return { scenario, results };
}

function printScenario(result: StoreScenarioResult): void {
  const parts = Object.entries(result.results).map(
    ([name, { median }]) =>
      `${name} ${Math.round(median.eventsPerSec)}/s cpu ${median.cpuUsPerEvent.toFixed(1)}µs${median.errors ? ` ERR ${median.errors}: ${median.firstError?.split('\n')[0]}` : ''}`,
  );
  console.log(`[bench] ${result.scenario}: ${parts.join(' | ')}`);
}
