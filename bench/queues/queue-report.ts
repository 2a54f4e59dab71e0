import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resultsDir } from '../paths';
import { type QueueBenchResults } from './queue-bench';

function ratio(a: number | undefined, b: number | undefined): string {
  return a !== undefined && b !== undefined && b > 0 ? `${(a / b).toFixed(2)}×` : '–';
}

/** The queue section of the report, in Markdown. */
export function renderQueueMarkdown(results: QueueBenchResults, header: string[]): string {
  const names = results.contenders.map((c) => c.name);
  const rows = results.cells.map((cell) => {
    const r = cell.results;
    return `| ${cell.scenario} | ${cell.concurrency} | ${names.map((n) => (r[n] ? Math.round(r[n].rate).toLocaleString('en-US') : '–')).join(' | ')} | ${ratio(r.ours?.rate, r.raw?.rate)} | ${ratio(r.ours?.rate, r['kubemq-js']?.rate)} | ${names.map((n) => (r[n] ? r[n].cpuUsPerMsg.toFixed(0) : '–')).join(' | ')} |`;
  });
  return [
    '# nestjs-kubemq queue benchmark',
    '',
    ...header,
    `- ${results.messages} messages of ${results.bodyBytes} B per run and contender; ${results.runs} interleaved runs; medians`,
    '- `send`: SendQueueMessage calls, closed loop with _conc_ in flight. `consume`: the same queue drained with an ack per message, _conc_ messages at a time, timed from the first message handled to 99% of them (KubeMQ Community can hold one back for minutes)',
    ...results.contenders.map((c) => `- \`${c.name}\`: ${c.label}`),
    '',
    `| scenario | conc | ${names.map((n) => `${n} msg/s`).join(' | ')} | ours/raw | ours/kubemq-js | ${names.map((n) => `${n} CPU µs/msg`).join(' | ')} |`,
    `|---|--:|${names.map(() => '--:').join('|')}|--:|--:|${names.map(() => '--:').join('|')}|`,
    ...rows,
    '',
  ].join('\n');
}

/** Writes bench/results/<out>.{md,json}. */
export function writeQueueResults(results: QueueBenchResults, markdown: string, out: string) {
  mkdirSync(resultsDir(), { recursive: true });
  const md = join(resultsDir(), `${out}.md`);
  const json = join(resultsDir(), `${out}.json`);
  writeFileSync(md, markdown);
  writeFileSync(json, `${JSON.stringify(results, null, 2)}\n`);
  return { md, json };
}
