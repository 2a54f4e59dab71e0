import { ChildHandle } from '../ipc';
import { type BenchOptions } from '../options';
import { script } from '../paths';
import { QUEUE_CONTENDERS } from './contenders';
import { type PhaseResult } from './queue-process';

/** One scenario × concurrency, every contender's median and runs. */
export interface QueueCell {
  scenario: 'send' | 'consume';
  concurrency: number;
  results: Record<string, { rate: number; cpuUsPerMsg: number; errors: number; runs: number[] }>;
}

/** What the queue benchmark measured. */
export interface QueueBenchResults {
  messages: number;
  bodyBytes: number;
  runs: number;
  contenders: Array<{ name: string; label: string }>;
  cells: QueueCell[];
}

const BODY_BYTES = 100;
const CONCURRENCIES = [1, 16];

/**
 * Queue throughput, every contender in its own process against the same
 * broker: `send` puts `messages` messages on a fresh queue (closed loop),
 * then `consume` drains that queue with an ack per message. Runs are
 * interleaved across contenders with a rotating order; medians are reported.
 */
export async function runQueueBench(
  address: string,
  options: BenchOptions,
): Promise<QueueBenchResults> {
  const messages = options.queueMessages;
  const runs = options.runs;
  const children = new Map<string, ChildHandle>();
  try {
    for (const c of QUEUE_CONTENDERS) {
      const env = { address, clientId: `bench-queue-${c.name}-${process.pid}` };
      const { child } = await ChildHandle.start(`queue-${c.name}`, script('queues/queue-process'), [
        c.name,
        JSON.stringify(env),
      ]);
      children.set(c.name, child);
    }
    const phase = (
      name: string,
      op: 'send' | 'consume',
      channel: string,
      count: number,
      concurrency: number,
    ) =>
      children.get(name)!.call<PhaseResult>(op, { channel, count, concurrency, size: BODY_BYTES });
    let serial = 0;
    const channelOf = (name: string) =>
      `bench-queue-${name}-${process.pid}-${Date.now().toString(36)}-${(serial += 1)}`;

    const warmup = options.quick ? 50 : 500;
    console.log(`[bench] queues: warming up each contender with ${warmup} messages`);
    for (const name of children.keys()) {
      const channel = channelOf(name);
      await phase(name, 'send', channel, warmup, 16);
      await phase(name, 'consume', channel, warmup, 16);
    }

    const cells: QueueCell[] = [];
    for (const concurrency of CONCURRENCIES) {
      const samples = new Map<string, { send: PhaseResult[]; consume: PhaseResult[] }>();
      for (const name of children.keys()) samples.set(name, { send: [], consume: [] });
      const names = [...children.keys()];
      for (let run = 0; run < runs; run += 1) {
        const order = names.map((_, i) => names[(i + run) % names.length]);
        for (const name of order) {
          const channel = channelOf(name);
          samples.get(name)!.send.push(await phase(name, 'send', channel, messages, concurrency));
          samples
            .get(name)!
            .consume.push(await phase(name, 'consume', channel, messages, concurrency));
        }
      }
      for (const scenario of ['send', 'consume'] as const) {
        const cell: QueueCell = { scenario, concurrency, results: {} };
        for (const [name, phases] of samples) {
          const list = phases[scenario];
          cell.results[name] = {
            rate: median(list.map((p) => p.rate)),
            cpuUsPerMsg: median(list.map((p) => p.cpuUsPerMsg)),
            errors: list.reduce((sum, p) => sum + p.errors, 0),
            runs: list.map((p) => Math.round(p.rate)),
          };
        }
        cells.push(cell);
        const line = Object.entries(cell.results)
          .map(
            ([name, r]) =>
              `${name} ${Math.round(r.rate)}/s cpu ${r.cpuUsPerMsg.toFixed(0)}µs${r.errors ? ` ERR ${r.errors}` : ''}`,
          )
          .join(' | ');
        console.log(`[bench] queue ${scenario} c=${concurrency}: ${line}`);
      }
    }
    return {
      messages,
      bodyBytes: BODY_BYTES,
      runs,
      contenders: QUEUE_CONTENDERS.map(({ name, label }) => ({ name, label })),
      cells,
    };
  } finally {
    await Promise.all([...children.values()].map((child) => child.stop()));
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
