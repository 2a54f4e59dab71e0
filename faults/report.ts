import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BROKER_LABELS, type BrokerKind } from './brokers';
import type { MachineInfo } from './machine';
import type { FaultOptions } from './options';
import { resultsDir } from './paths';
import type { ScenarioResult } from './scenario';

/** Everything one `npm run faults` found. */
export interface FaultResults {
  date: string;
  mode: 'quick' | 'full';
  machine: MachineInfo;
  options: FaultOptions;
  brokers: Array<{ kind: BrokerKind; label: string }>;
  /** Brokers not run, and why. */
  skipped: Array<{ kind: BrokerKind; reason: string }>;
  results: ScenarioResult[];
  durationMs: number;
}

export function machineLine(results: FaultResults): string {
  const m = results.machine;
  return (
    `${m.cpuModel} (nproc ${m.nproc}), ${m.memoryGiB} GiB, Node ${m.node.replace(/^v/, '')}, ` +
    `Linux ${m.kernel}, load ${m.loadAtStart} at the start`
  );
}

/** The results as Markdown: a summary table, then each scenario's figures per broker. */
export function renderMarkdown(results: FaultResults): string {
  const lines: string[] = [];
  const verdict = results.results.every((r) => r.pass) ? 'all passed' : 'SOME FAILED';
  lines.push(`# Fault runs (${results.mode}): ${verdict}`, '');
  lines.push(`- Date: ${results.date}`);
  lines.push(`- Machine: ${machineLine(results)}`);
  lines.push(`- Duration: ${Math.round(results.durationMs / 1000)} s`);
  for (const broker of results.brokers) lines.push(`- Broker \`${broker.kind}\`: ${broker.label}`);
  for (const skip of results.skipped)
    lines.push(`- Broker \`${skip.kind}\` skipped: ${skip.reason}`);
  lines.push(`- Re-run: \`npm run faults${results.mode === 'quick' ? ' -- --quick' : ''}\``, '');
  const kinds = results.brokers.map((b) => b.kind);
  lines.push(
    `| scenario | ${kinds.join(' | ')} |`,
    `| --- | ${kinds.map(() => '---').join(' | ')} |`,
  );
  const scenarios = [...new Set(results.results.map((r) => r.scenario))];
  for (const scenario of scenarios) {
    const cells = kinds.map((kind) => {
      const result = results.results.find((r) => r.scenario === scenario && r.broker === kind);
      return result ? (result.pass ? 'pass' : '**FAIL**') : '–';
    });
    lines.push(`| ${scenario} | ${cells.join(' | ')} |`);
  }
  for (const scenario of scenarios) {
    const mine = results.results.filter((r) => r.scenario === scenario);
    lines.push('', `## ${scenario}`, '', `Rule: ${mine[0].rule}.`, '');
    const figureNames = [...new Set(mine.flatMap((r) => Object.keys(r.figures)))];
    lines.push(`| figure | ${mine.map((r) => r.broker).join(' | ')} |`);
    lines.push(`| --- | ${mine.map(() => '---:').join(' | ')} |`);
    for (const name of figureNames) {
      lines.push(`| ${name} | ${mine.map((r) => String(r.figures[name] ?? '–')).join(' | ')} |`);
    }
    lines.push(`| verdict | ${mine.map((r) => (r.pass ? 'pass' : '**FAIL**')).join(' | ')} |`);
    lines.push(`| seconds | ${mine.map((r) => Math.round(r.durationMs / 1000)).join(' | ')} |`);
    for (const r of mine) {
      for (const failure of r.failures) lines.push('', `- **${r.broker}: ${failure}**`);
      if (r.notes.length > 0) {
        lines.push('', `${r.broker}, what failed calls said (most frequent first):`, '');
        for (const note of r.notes) lines.push(`- ${note}`);
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Writes faults/results/<out>.{json,md}; returns the Markdown path. */
export function writeResults(results: FaultResults, out: string): string {
  mkdirSync(resultsDir(), { recursive: true });
  const base = join(resultsDir(), out);
  writeFileSync(`${base}.json`, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(`${base}.md`, renderMarkdown(results));
  return `${base}.md`;
}

export { BROKER_LABELS };
