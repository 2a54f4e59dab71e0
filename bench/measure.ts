import { type AllocStats } from './alloc-meter';
import { type Kind } from './contenders/types';
import { type RunningContender } from './fleet';
import { type ProcessStats } from './ipc';
import { type LoadResult } from './load';
import { type RunArgs } from './sender-process';

/** One measured run of one contender. */
export interface Sample {
  requests: number;
  errors: number;
  firstError?: string;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Sender + responder CPU per request, in µs. */
  cpuUsPerReq: number;
  senderCpuUsPerReq: number;
  responderCpuUsPerReq: number;
  /** The broker's (or echo server's, or nats-server's) CPU per request, in µs. */
  backendCpuUsPerReq: number;
  /** Backend CPU time / wall time: 1.0 is one core fully busy. */
  backendLoad: number;
}

/** The cell of the matrix being measured. */
export interface CellSpec {
  kind: Kind;
  size: number;
  concurrency: number;
}

async function cpuOf(c: RunningContender): Promise<{ responder: number; backend: number }> {
  const [responder, backend] = await Promise.all([
    c.responder ? c.responder.stats().then((s) => s.cpuUs) : Promise.resolve(0),
    c.backend.cpuUs(),
  ]);
  return { responder, backend };
}

/** Runs load from one contender's sender and measures every process involved. */
export async function measureRun(
  c: RunningContender,
  cell: CellSpec,
  load: { durationMs?: number; count?: number },
): Promise<Sample> {
  const before = await cpuOf(c);
  const args: RunArgs = { ...cell, ...load };
  const result = await c.sender.call<LoadResult>('run', args);
  const after = await cpuOf(c);
  const n = Math.max(1, result.requests + result.errors);
  const responderUs = after.responder - before.responder;
  const backendUs = after.backend - before.backend;
  return {
    requests: result.requests,
    errors: result.errors,
    firstError: result.firstError,
    rps: (result.requests * 1000) / result.wallMs,
    p50Ms: result.p50Ms,
    p99Ms: result.p99Ms,
    cpuUsPerReq: (result.cpuUs + responderUs) / n,
    senderCpuUsPerReq: result.cpuUs / n,
    responderCpuUsPerReq: responderUs / n,
    backendCpuUsPerReq: backendUs / n,
    backendLoad: backendUs / 1000 / result.wallMs,
  };
}

export function median(values: number[]): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Medians of each metric over runs. */
export function summarize(samples: Sample[]): Sample {
  const pick = (key: keyof Sample) => median(samples.map((s) => s[key] as number));
  return {
    requests: samples.reduce((sum, s) => sum + s.requests, 0),
    errors: samples.reduce((sum, s) => sum + s.errors, 0),
    firstError: samples.find((s) => s.firstError)?.firstError,
    rps: pick('rps'),
    p50Ms: pick('p50Ms'),
    p99Ms: pick('p99Ms'),
    cpuUsPerReq: pick('cpuUsPerReq'),
    senderCpuUsPerReq: pick('senderCpuUsPerReq'),
    responderCpuUsPerReq: pick('responderCpuUsPerReq'),
    backendCpuUsPerReq: pick('backendCpuUsPerReq'),
    backendLoad: pick('backendLoad'),
  };
}

/**
 * Warms every contender's processes once (JIT, pools, HTTP/2 windows):
 * `totalMs` per contender spread over every kind and size, at concurrency 16.
 */
export async function warmUp(
  contenders: RunningContender[],
  cells: Array<Omit<CellSpec, 'concurrency'>>,
  totalMs: number,
): Promise<void> {
  const each = Math.max(50, Math.round(totalMs / Math.max(1, cells.length)));
  for (const c of contenders) {
    for (const cell of cells)
      await measureRun(c, { ...cell, concurrency: 16 }, { durationMs: each });
  }
}

/** One cell, all contenders side by side: a warm-up each, then runs interleaved. */
export async function measureCell(
  contenders: RunningContender[],
  cell: CellSpec,
  plan: { warmupMs: number; runs: number; durationMs: number },
): Promise<Map<string, Sample[]>> {
  const samples = new Map<string, Sample[]>(contenders.map((c) => [c.info.name, []]));
  for (const c of contenders) {
    if (plan.warmupMs > 0) await measureRun(c, cell, { durationMs: plan.warmupMs });
  }
  for (let run = 0; run < plan.runs; run += 1) {
    // Rotate the order so no contender always runs right after another's burst.
    for (let i = 0; i < contenders.length; i += 1) {
      const c = contenders[(i + run) % contenders.length];
      samples.get(c.info.name)!.push(await measureRun(c, cell, { durationMs: plan.durationMs }));
    }
  }
  return samples;
}

/** Memory of one process before, halfway through and after the long run (after a full GC each). */
export interface MemoryTrace {
  rss: number[];
  heapUsed: number[];
}

export interface LeakResult {
  requests: number;
  errors: number;
  rps: number;
  sender: MemoryTrace;
  responder?: MemoryTrace;
  backend?: MemoryTrace;
}

/** The long run: `requests` in two halves, memory measured (after GC) at 0, ½ and 1. */
export async function measureLeak(
  c: RunningContender,
  cell: CellSpec,
  requests: number,
): Promise<LeakResult> {
  const traces = {
    sender: { rss: [], heapUsed: [] } as MemoryTrace,
    responder: c.responder ? ({ rss: [], heapUsed: [] } as MemoryTrace) : undefined,
    backend: c.backend.stats ? ({ rss: [], heapUsed: [] } as MemoryTrace) : undefined,
  };
  const snapshot = async () => {
    const [sender, responder, backend] = await Promise.all([
      c.sender.stats(true),
      c.responder?.stats(true),
      c.backend.stats?.(true),
    ]);
    const add = (trace: MemoryTrace | undefined, stats: ProcessStats | undefined) => {
      if (!trace || !stats) return;
      trace.rss.push(stats.rss);
      trace.heapUsed.push(stats.heapUsed);
    };
    add(traces.sender, sender);
    add(traces.responder, responder);
    add(traces.backend, backend);
  };
  await snapshot();
  let done = 0;
  let errors = 0;
  let wallRps = 0;
  for (const half of [Math.floor(requests / 2), requests - Math.floor(requests / 2)]) {
    const sample = await measureRun(c, cell, { count: half });
    done += sample.requests;
    errors += sample.errors;
    wallRps += sample.rps / 2;
    await snapshot();
  }
  return { requests: done, errors, rps: wallRps, ...traces };
}

/** Allocation and GC per request of one process (see ./alloc-meter). */
export interface AllocPerRequest {
  /** Bytes allocated on the V8 heap per request. */
  heapBytes: number;
  /** Bytes of Buffer contents (ArrayBuffers outside the heap) allocated per request. */
  externalBytes: number;
  /** GCs per 1,000 requests, all kinds. */
  gcsPer1k: number;
  /** Mark-compacts (full GCs) per 1,000 requests. */
  fullGcsPer1k: number;
  /** GC time per request, in µs. */
  gcUs: number;
}

export interface AllocResult {
  requests: number;
  sender: AllocPerRequest;
  responder?: AllocPerRequest;
  backend?: AllocPerRequest;
}

function perRequest(stats: AllocStats, requests: number): AllocPerRequest {
  const n = Math.max(1, requests);
  const all = Object.values(stats.gcs).reduce((sum, count) => sum + count, 0);
  return {
    heapBytes: stats.heapBytes / n,
    externalBytes: stats.externalBytes / n,
    gcsPer1k: (all * 1000) / n,
    fullGcsPer1k: ((stats.gcs.MarkSweepCompact ?? 0) * 1000) / n,
    gcUs: stats.gcUs / n,
  };
}

/**
 * Counts what each process allocates during `requests` requests of one
 * cell (after a short run that warms the cell up). A run of its own, so the
 * GC profiler's small cost per GC never lands in the timed runs.
 */
export async function measureAlloc(
  c: RunningContender,
  cell: CellSpec,
  requests: number,
): Promise<AllocResult> {
  await measureRun(c, cell, { count: Math.max(100, Math.floor(requests / 4)) });
  const backend = c.backend.alloc;
  await Promise.all([c.sender.allocStart(), c.responder?.allocStart(), backend?.start()]);
  const sample = await measureRun(c, cell, { count: requests });
  const [sender, responder, broker] = await Promise.all([
    c.sender.allocStop(),
    c.responder?.allocStop(),
    backend?.stop(),
  ]);
  const n = sample.requests + sample.errors;
  return {
    requests: n,
    sender: perRequest(sender, n),
    responder: responder && perRequest(responder, n),
    backend: broker && perRequest(broker, n),
  };
}
