import { performance } from 'node:perf_hooks';
import { describe } from './ipc';

/** One request: call `done` once, with an error when it failed. */
export type IssueRequest = (done: (error?: unknown) => void) => void;

/** How much load to put on: `concurrency` requests always in flight, for a time or a count. */
export interface LoadSpec {
  concurrency: number;
  /** Stop issuing after this many ms (the requests in flight still finish). */
  durationMs?: number;
  /** Stop issuing after this many requests. */
  count?: number;
}

/** What one load run measured in the sender process. */
export interface LoadResult {
  requests: number;
  errors: number;
  firstError?: string;
  wallMs: number;
  /** Sender process CPU (user + system) during the run, in µs. */
  cpuUs: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
}

// Latencies go into one buffer allocated once, so a long run does not grow
// the sender's heap (which the memory check would then count as a leak).
const LATENCIES = new Float64Array(1 << 21);

/**
 * Closed-loop load: `concurrency` lanes, each issuing its next request as
 * soon as its previous one completes. Latency is from issue to completion.
 */
export function runLoad(issue: IssueRequest, spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolve) => {
    const limit = spec.count ?? Number.POSITIVE_INFINITY;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const deadline =
      spec.durationMs !== undefined ? t0 + spec.durationMs : Number.POSITIVE_INFINITY;
    let started = 0;
    let inFlight = 0;
    let completed = 0;
    let errors = 0;
    let recorded = 0;
    let firstError: string | undefined;
    let finished = false;

    const finish = () => {
      if (finished) return;
      finished = true;
      const wallMs = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      const sorted = LATENCIES.subarray(0, recorded).sort();
      let sum = 0;
      for (let i = 0; i < recorded; i += 1) sum += sorted[i];
      resolve({
        requests: completed - errors,
        errors,
        firstError,
        wallMs,
        cpuUs: cpu.user + cpu.system,
        p50Ms: percentile(sorted, 0.5),
        p99Ms: percentile(sorted, 0.99),
        meanMs: recorded > 0 ? sum / recorded : Number.NaN,
      });
    };

    const lane = () => {
      if (started >= limit || performance.now() >= deadline) {
        if (inFlight === 0) finish();
        return;
      }
      started += 1;
      inFlight += 1;
      const begin = performance.now();
      issue((error) => {
        const latency = performance.now() - begin;
        inFlight -= 1;
        completed += 1;
        if (error !== undefined && error !== null) {
          errors += 1;
          firstError ??= describe(error);
        } else if (recorded < LATENCIES.length) {
          LATENCIES[recorded++] = latency;
        }
        lane();
      });
    };
    for (let i = 0; i < spec.concurrency; i += 1) lane();
  });
}

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index];
}
