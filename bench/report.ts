import { type EventsStoreResults } from './events-store';
import { renderEventsStore } from './events-store/render';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BrokerCoreResult } from './broker-core';
import {
  type AllocPerRequest,
  type AllocResult,
  type CellSpec,
  type LeakResult,
  type MemoryTrace,
  type Sample,
} from './measure';
import { type MachineInfo } from './machine';
import { type BenchOptions } from './options';
import { resultsDir } from './paths';

/** Everything one `npm run bench` measured (the JSON file). */
export interface BenchResults {
  date: string;
  mode: 'quick' | 'full';
  machine: MachineInfo;
  options: BenchOptions;
  backends: Record<string, string>;
  contenders: Array<{ name: string; label: string }>;
  skipped: Array<{ name: string; reason: string }>;
  cells: Array<CellSpec & { results: Record<string, { median: Sample; runs: Sample[] }> }>;
  leak?: { cell: CellSpec; results: Record<string, LeakResult> };
  /** Bytes allocated and GCs per request, per kind and body (concurrency 16). */
  alloc?: Array<CellSpec & { results: Record<string, AllocResult> }>;
  brokerCore?: BrokerCoreResult[];
  eventsStore?: EventsStoreResults;
}

const PEERS = ['raw', 'ours-base', 'kubemq-js', 'nats'] as const;

export function sizeLabel(size: number): string {
  return size >= 1024 && size % 1024 === 0 ? `${size / 1024} KiB` : `${size} B`;
}

function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '–';
}

function num(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '–';
}

function ratio(a: number | undefined, b: number | undefined): string {
  return a !== undefined && b !== undefined && Number.isFinite(a) && Number.isFinite(b) && b > 0
    ? `${(a / b).toFixed(2)}×`
    : '–';
}

function mib(bytes: number | undefined): string {
  return bytes === undefined ? '–' : (bytes / 2 ** 20).toFixed(1);
}

function trace(t: MemoryTrace | undefined, key: keyof MemoryTrace): string {
  return t ? t[key].map((b) => mib(b)).join(' → ') : '–';
}

function median(cell: BenchResults['cells'][number], name: string): Sample | undefined {
  return cell.results[name]?.median;
}

/** The table of every contender in every cell. */
export function resultsTable(results: BenchResults): string {
  const lines = [
    '| kind | body | conc | contender | req/s | p50 ms | p99 ms | CPU µs/req (sender+responder) | sender µs/req | responder µs/req | broker µs/req | errors |',
    '|---|---|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const cell of results.cells) {
    for (const { name } of results.contenders) {
      const s = median(cell, name);
      if (!s) continue;
      lines.push(
        `| ${cell.kind} | ${sizeLabel(cell.size)} | ${cell.concurrency} | ${name} | ${num(s.rps)} | ${fixed(s.p50Ms, 3)} | ${fixed(s.p99Ms, 3)} | ${fixed(s.cpuUsPerReq, 0)} | ${fixed(s.senderCpuUsPerReq, 0)} | ${fixed(s.responderCpuUsPerReq, 0)} | ${fixed(s.backendCpuUsPerReq, 0)} | ${s.errors} |`,
      );
    }
  }
  return lines.join('\n');
}

/** One metric for every contender, one row per cell (the compact view for the README). */
export function pivotTable(
  results: BenchResults,
  metric: 'rps' | 'p50Ms' | 'p99Ms' | 'cpuUsPerReq' | 'sides',
): string {
  const names = results.contenders.map((c) => c.name);
  const format = (s: Sample | undefined) =>
    !s
      ? '–'
      : metric === 'rps'
        ? num(s.rps)
        : metric === 'sides'
          ? `${fixed(s.senderCpuUsPerReq, 0)} + ${fixed(s.responderCpuUsPerReq, 0)}`
          : metric === 'cpuUsPerReq'
            ? fixed(s[metric], 0)
            : fixed(s[metric], 2);
  const lines = [
    `| kind | body | conc | ${names.join(' | ')} |`,
    `|---|---|--:|${names.map(() => '--:').join('|')}|`,
  ];
  for (const cell of results.cells) {
    const values = names.map((name) => format(median(cell, name)));
    lines.push(
      `| ${cell.kind} | ${sizeLabel(cell.size)} | ${cell.concurrency} | ${values.join(' | ')} |`,
    );
  }
  return lines.join('\n');
}

/** Ours divided by each peer, cell by cell (req/s: above 1 is better; p50 and CPU: below 1 is better). */
export function ratioTable(results: BenchResults): string {
  const peers = PEERS.filter((p) => results.contenders.some((c) => c.name === p));
  const header = ['kind', 'body', 'conc'];
  for (const peer of peers) {
    header.push(`req/s ours/${peer}`);
    if (peer === 'raw')
      header.push('p50 ours/raw', 'CPU ours/raw', 'sender CPU ours/raw', 'responder CPU ours/raw');
  }
  const lines = [
    `| ${header.join(' | ')} |`,
    `|${header.map((_, i) => (i < 3 ? '---' : '--:')).join('|')}|`,
  ];
  for (const cell of results.cells) {
    const ours = median(cell, 'ours');
    const row = [cell.kind, sizeLabel(cell.size), String(cell.concurrency)];
    for (const peer of peers) {
      const other = median(cell, peer);
      row.push(ratio(ours?.rps, other?.rps));
      if (peer === 'raw')
        row.push(
          ratio(ours?.p50Ms, other?.p50Ms),
          ratio(ours?.cpuUsPerReq, other?.cpuUsPerReq),
          ratio(ours?.senderCpuUsPerReq, other?.senderCpuUsPerReq),
          ratio(ours?.responderCpuUsPerReq, other?.responderCpuUsPerReq),
        );
    }
    lines.push(`| ${row.join(' | ')} |`);
  }
  return lines.join('\n');
}

function bytes(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value)
    ? '–'
    : Math.round(value).toLocaleString('en-US');
}

function both(
  r: AllocResult,
  pick: (a: AllocPerRequest) => number,
  format: (value: number) => string,
): string {
  const side = (a: AllocPerRequest | undefined) => (a ? format(pick(a)) : '–');
  return `${side(r.sender)} / ${side(r.responder)}`;
}

/** Bytes allocated and GCs per request, sender / responder. */
export function allocTable(results: BenchResults): string {
  if (!results.alloc?.length) return '_Allocation runs skipped (--alloc=0)._';
  const lines = [
    "One run per contender, kind and body at concurrency 16, counted with V8's GC profiler in each process:",
    'the heap in use before each GC minus what the previous GC left. "Buffer" is ArrayBuffer memory',
    'outside the V8 heap (the bytes of Buffers of 64 KiB and more, and the 8 KiB pools of small ones).',
    'Each cell: sender / responder.',
    '',
    '| kind | body | contender | heap B/req | Buffer B/req | GCs per 1k req | full GCs per 1k req | GC µs/req | broker heap + Buffer B/req |',
    '|---|---|---|--:|--:|--:|--:|--:|--:|',
  ];
  for (const cell of results.alloc) {
    for (const { name } of results.contenders) {
      const r = cell.results[name];
      if (!r) continue;
      const broker = r.backend ? bytes(r.backend.heapBytes + r.backend.externalBytes) : '–';
      lines.push(
        `| ${cell.kind} | ${sizeLabel(cell.size)} | ${name} | ${both(r, (a) => a.heapBytes, bytes)} | ${both(r, (a) => a.externalBytes, bytes)} | ${both(
          r,
          (a) => a.gcsPer1k,
          (v) => fixed(v, 1),
        )} | ${both(
          r,
          (a) => a.fullGcsPer1k,
          (v) => fixed(v, 1),
        )} | ${both(
          r,
          (a) => a.gcUs,
          (v) => fixed(v, 1),
        )} | ${broker} |`,
      );
    }
  }
  return lines.join('\n');
}

/** Memory before, halfway and after the long run. */
export function leakTable(results: BenchResults): string {
  if (!results.leak) return '_Memory run skipped (--leak=0)._';
  const { cell } = results.leak;
  const lines = [
    `${cell.kind}, ${sizeLabel(cell.size)} bodies, concurrency ${cell.concurrency}; MiB at start → halfway → end, each after a full GC.`,
    '',
    'The last column is the heap growth over the second half, per request, in the sender and the responder: a leak grows',
    'the heap a little on every request; warm-up effects show up in the first half only.',
    '',
    '| contender | requests | sender RSS | sender heap | responder RSS | responder heap | broker heap | 2nd half, B/req (sender, responder) |',
    '|---|--:|---|---|---|---|---|---|',
  ];
  for (const [name, r] of Object.entries(results.leak.results)) {
    const perRequest = (t: MemoryTrace | undefined) =>
      t && t.heapUsed.length === 3
        ? ((t.heapUsed[2] - t.heapUsed[1]) / (r.requests / 2)).toFixed(1)
        : '–';
    lines.push(
      `| ${name} | ${num(r.requests)}${r.errors ? ` (${r.errors} errors)` : ''} | ${trace(r.sender, 'rss')} | ${trace(r.sender, 'heapUsed')} | ${trace(r.responder, 'rss')} | ${trace(r.responder, 'heapUsed')} | ${trace(r.backend, 'heapUsed')} | ${perRequest(r.sender)}, ${perRequest(r.responder)} |`,
    );
  }
  return lines.join('\n');
}

/** The broker next to the gRPC floor: the echo server answers SendRequest itself. */
export function brokerTable(results: BenchResults): string {
  const lines = [
    '| kind | body | conc | echo floor req/s | raw via broker req/s | raw/echo | echo server µs/call | broker µs/round trip | broker load (cores) |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const cell of results.cells) {
    const echo = median(cell, 'echo');
    const raw = median(cell, 'raw');
    if (!echo && !raw) continue;
    lines.push(
      `| ${cell.kind} | ${sizeLabel(cell.size)} | ${cell.concurrency} | ${num(echo?.rps ?? NaN)} | ${num(raw?.rps ?? NaN)} | ${ratio(raw?.rps, echo?.rps)} | ${fixed(echo?.backendCpuUsPerReq ?? NaN, 0)} | ${fixed(raw?.backendCpuUsPerReq ?? NaN, 0)} | ${fixed(raw?.backendLoad ?? NaN, 2)} |`,
    );
  }
  const note = brokerNote(results);
  if (note) lines.push('', note);
  if (results.brokerCore?.length) {
    lines.push(
      '',
      'In-process, without gRPC (per query round trip): the broker routing (validation, reply inbox, pending map, delivery, matching the response) and the protobuf work of its gRPC methods (decode the Request, encode it to the subscriber, decode the Response, encode Empty and the Response).',
      '',
      '| body | routing µs | protobuf µs (the broker codec) | protobuf µs (proto-loader, for reference) |',
      '|---|--:|--:|--:|',
      ...results.brokerCore.map(
        (b) =>
          `| ${sizeLabel(b.size)} | ${fixed(b.routingUs, 2)} | ${fixed(b.codecUs, 2)} | ${fixed(b.protoLoaderCodecUs ?? NaN, 2)} |`,
      ),
    );
  }
  return lines.join('\n');
}

/** One sentence comparing the broker with the echo floor, for the smallest body at concurrency 16. */
function brokerNote(results: BenchResults): string | undefined {
  const cells = results.cells.filter(
    (c) => c.concurrency === 16 && c.results.echo && c.results.raw,
  );
  if (cells.length === 0) return undefined;
  const parts = cells.map((cell) => {
    const broker = cell.results.raw.median.backendCpuUsPerReq;
    const echo = cell.results.echo.median.backendCpuUsPerReq;
    return `${cell.kind} ${sizeLabel(cell.size)}: ${fixed(broker / (2 * echo), 2)}`;
  });
  return (
    'A round trip through the broker is two unary calls (SendRequest, SendResponse) plus one stream write; ' +
    'the echo server does one unary call. Broker CPU per round trip ÷ (2 × echo server CPU per call), at concurrency 16: ' +
    `${parts.join('; ')} (1.00 would be exactly two bare grpc-js unary calls).`
  );
}

export function machineLine(results: BenchResults): string {
  const m = results.machine;
  return `${m.nproc} × ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node.replace(/^v/, '')} (${m.platform}, kernel ${m.kernel})`;
}

export function renderMarkdown(results: BenchResults): string {
  const o = results.options;
  const eventsStore = results.eventsStore ? [renderEventsStore(results.eventsStore), ''] : [];
  if (results.cells.length === 0) {
    const head = [`# nestjs-kubemq benchmark (${results.mode})`, '', `- Date: ${results.date}`];
    return [...head, `- Machine: ${machineLine(results)}`, '', ...eventsStore].join('\n');
  }
  const parts = [
    `# nestjs-kubemq benchmark (${results.mode})`,
    '',
    `- Date: ${results.date}`,
    `- Machine: ${machineLine(results)}`,
    ...Object.entries(results.backends).map(([k, v]) => `- ${k}: ${v}`),
    `- Plan: each process warmed up ${o.processWarmupMs} ms, then per cell a ${o.warmupMs} ms warm-up and ${o.runs} runs × ${o.durationMs} ms per contender and cell, interleaved; medians shown`,
    ...results.contenders.map((c) => `- \`${c.name}\`: ${c.label}`),
    ...results.skipped.map((s) => `- skipped \`${s.name}\`: ${s.reason}`),
    '',
    '## Throughput (req/s)',
    '',
    pivotTable(results, 'rps'),
    '',
    '## Latency p50 (ms)',
    '',
    pivotTable(results, 'p50Ms'),
    '',
    '## CPU per request, sender + responder (µs)',
    '',
    pivotTable(results, 'cpuUsPerReq'),
    '',
    '## CPU per request of each side: sender + responder (µs)',
    '',
    pivotTable(results, 'sides'),
    '',
    '## Bytes allocated and GCs per request',
    '',
    allocTable(results),
    '',
    '## Every contender in every cell',
    '',
    resultsTable(results),
    '',
    '## Ours relative to the others (same run)',
    '',
    ratioTable(results),
    '',
    `## Memory over a long run (${num(results.options.leakRequests)} requests)`,
    '',
    leakTable(results),
    '',
    '## The broker alone',
    '',
    brokerTable(results),
    '',
    ...eventsStore,
  ];
  return parts.join('\n');
}

/** Writes bench/results/NAME.json and NAME.md; returns their paths. */
export function writeResults(results: BenchResults, name: string): { json: string; md: string } {
  const dir = resultsDir();
  mkdirSync(dir, { recursive: true });
  const json = join(dir, `${name}.json`);
  const md = join(dir, `${name}.md`);
  writeFileSync(json, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(md, renderMarkdown(results));
  return { json, md };
}
