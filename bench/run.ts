import { buildBaseline } from './baseline';
import { benchEventsStore } from './events-store';
import { measureBrokerCore } from './broker-core';
import { CONTENDERS } from './contenders';
import { Fleet } from './fleet';
import { benchQueues } from './queues/queue-main';
import { machineInfo } from './machine';
import {
  measureAlloc,
  measureCell,
  measureLeak,
  summarize,
  warmUp,
  type CellSpec,
} from './measure';
import { parseOptions } from './options';
import { machineLine, renderMarkdown, sizeLabel, writeResults, type BenchResults } from './report';

/**
 * `npm run bench`: starts the broker (or uses KUBEMQ_ADDRESS), the echo
 * floor and nats-server, one responder and one sender process per
 * contender, then measures every cell of kind × body × concurrency with all
 * contenders side by side, a long run for memory, and the broker alone.
 * Writes bench/results/<out>.json and .md.
 */
async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const started = Date.now();
  const results: BenchResults = {
    date: new Date().toISOString(),
    mode: options.quick ? 'quick' : 'full',
    machine: machineInfo(),
    options,
    backends: {},
    contenders: [],
    skipped: [],
    cells: [],
  };
  console.log(`[bench] ${results.mode} run on ${machineLine(results)}`);
  if (!options.suites.includes('rpc')) {
    if (options.suites.includes('events-store')) {
      results.eventsStore = await benchEventsStore(options);
      report(results, options.out, started);
    }
    if (options.suites.includes('queues')) await benchQueues(options);
    return;
  }
  if (options.baseline) process.env.BENCH_BASE_LIB = buildBaseline(options.baseline);
  if (options.oursText) process.env.BENCH_OURS_TEXT = '1';
  const fleet = await Fleet.start(options);
  const stop = () => fleet.stop().catch(() => undefined);
  process.once('SIGINT', () => void stop().then(() => process.exit(130)));
  try {
    for (const [kind, backend] of fleet.backends)
      results.backends[`${kind} backend`] = backend.description;
    results.skipped = fleet.skipped;
    const running = fleet.running;
    results.contenders = CONTENDERS.filter((c) => running.some((r) => r.info === c)).map((c) => ({
      name: c.name,
      label: c.label,
    }));
    if (running.length === 0) throw new Error('no contender could be started');

    const shapes = options.kinds.flatMap((kind) => options.sizes.map((size) => ({ kind, size })));
    console.log(`[bench] warming up each contender for ${options.processWarmupMs} ms`);
    await warmUp(running, shapes, options.processWarmupMs);
    for (const kind of options.kinds) {
      for (const size of options.sizes) {
        for (const concurrency of options.concurrencies) {
          const cell: CellSpec = { kind, size, concurrency };
          const samples = await measureCell(running, cell, options);
          const entry: BenchResults['cells'][number] = { ...cell, results: {} };
          for (const [name, runs] of samples)
            entry.results[name] = { median: summarize(runs), runs };
          results.cells.push(entry);
          printCell(entry);
        }
      }
    }

    if (options.allocRequests > 0) {
      results.alloc = [];
      for (const kind of options.kinds) {
        for (const size of options.sizes) {
          const cell: CellSpec = { kind, size, concurrency: ALLOC_CONCURRENCY };
          const requests =
            size > 4096
              ? Math.max(200, Math.round(options.allocRequests / 8))
              : options.allocRequests;
          const entry: NonNullable<BenchResults['alloc']>[number] = { ...cell, results: {} };
          for (const c of running)
            entry.results[c.info.name] = await measureAlloc(c, cell, requests);
          results.alloc.push(entry);
          printAlloc(entry);
        }
      }
    }

    if (options.leakRequests > 0) {
      const cell: CellSpec = {
        kind: options.kinds[0],
        size: Math.min(...options.sizes),
        concurrency: 16,
      };
      results.leak = { cell, results: {} };
      for (const c of running) {
        process.stdout.write(
          `[bench] memory run: ${c.info.name}, ${options.leakRequests} requests… `,
        );
        const leak = await measureLeak(c, cell, options.leakRequests);
        results.leak.results[c.info.name] = leak;
        const heap = leak.sender.heapUsed.map((b) => (b / 2 ** 20).toFixed(1)).join(' → ');
        console.log(`sender heap ${heap} MiB`);
      }
    }
  } finally {
    await stop();
  }

  // Alone, after every process has stopped: the broker's own work per round trip.
  const iterations = options.quick ? 50_000 : 300_000;
  results.brokerCore = options.sizes.map((size) => measureBrokerCore(size, iterations));
  if (options.suites.includes('events-store'))
    results.eventsStore = await benchEventsStore(options);
  report(results, options.out, started);
  if (options.suites.includes('queues')) await benchQueues(options);
}

function report(results: BenchResults, out: string, started: number): void {
  const files = writeResults(results, out);
  console.log(`\n${renderMarkdown(results)}`);
  console.log(
    `[bench] wrote ${files.md} and ${files.json} in ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
}

/** Allocation runs keep 16 requests in flight, like the memory run. */
const ALLOC_CONCURRENCY = 16;

function printAlloc(entry: NonNullable<BenchResults['alloc']>[number]): void {
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
  const parts = Object.entries(entry.results).map(
    ([name, r]) =>
      `${name} sender ${kib(r.sender.heapBytes + r.sender.externalBytes)}` +
      (r.responder ? `, responder ${kib(r.responder.heapBytes + r.responder.externalBytes)}` : ''),
  );
  console.log(
    `[bench] allocated per request, ${entry.kind} ${sizeLabel(entry.size)}: ${parts.join(' | ')}`,
  );
}

function printCell(entry: BenchResults['cells'][number]): void {
  const parts = Object.entries(entry.results).map(
    ([name, { median: s }]) =>
      `${name} ${Math.round(s.rps)}/s p50 ${s.p50Ms.toFixed(2)}ms cpu ${s.senderCpuUsPerReq.toFixed(0)}+${s.responderCpuUsPerReq.toFixed(0)}µs${s.errors ? ` ERR ${s.errors}` : ''}`,
  );
  console.log(
    `[bench] ${entry.kind} ${sizeLabel(entry.size)} c=${entry.concurrency}: ${parts.join(' | ')}`,
  );
  for (const [name, { median: s }] of Object.entries(entry.results)) {
    if (s.firstError) console.log(`[bench]   ${name} first error: ${s.firstError.split('\n')[0]}`);
  }
}

main().catch((error: unknown) => {
  console.error('[bench] failed:', error);
  process.exit(1);
});
