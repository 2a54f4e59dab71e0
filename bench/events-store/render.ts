import { type EventsStoreResults } from './index';

const num = (value: number | undefined) =>
  value !== undefined && Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '–';
const fixed = (value: number | undefined, digits = 1) =>
  value !== undefined && Number.isFinite(value) ? value.toFixed(digits) : '–';
const ratio = (a: number | undefined, b: number | undefined) =>
  a !== undefined && b !== undefined && b > 0 ? `${(a / b).toFixed(2)}×` : '–';

/** The events-store section of the results Markdown. */
export function renderEventsStore(results: EventsStoreResults): string {
  const lines = [
    '## Events store',
    '',
    `Broker: ${results.backend}; ${results.bodyBytes} B bodies; events per second of wall time (publish: from the first call to the last answer; subscribe: from the first event to the last), CPU of the publishing or subscribing process per event.`,
    '',
  ];
  if (results.skipped) return [...lines, `Skipped: ${results.skipped}`].join('\n');
  const names = results.contenders;
  lines.push(
    `| scenario | ${names.map((n) => `${n} ev/s`).join(' | ')} | ours/raw | ours/kubemq-js | ${names.map((n) => `${n} CPU µs/ev`).join(' | ')} |`,
    `| --- | ${names.map(() => '---:').join(' | ')} | ---: | ---: | ${names.map(() => '---:').join(' | ')} |`,
  );
  for (const scenario of results.scenarios) {
    const median = (name: string) => scenario.results[name]?.median;
    lines.push(
      `| ${scenario.scenario} | ${names.map((n) => num(median(n)?.eventsPerSec)).join(' | ')} | ${ratio(median('ours')?.eventsPerSec, median('raw')?.eventsPerSec)} | ${ratio(median('ours')?.eventsPerSec, median('kubemq-js')?.eventsPerSec)} | ${names.map((n) => fixed(median(n)?.cpuUsPerEvent)).join(' | ')} |`,
    );
  }
  const errors = results.scenarios.flatMap((s) =>
    Object.entries(s.results)
      .filter(([, r]) => r.runs.some((run) => run.errors > 0))
      .map(
        ([name, r]) =>
          `- ${s.scenario}, ${name}: ${r.runs.reduce((n, run) => n + run.errors, 0)} errors (${r.runs.find((run) => run.firstError)?.firstError?.split('\n')[0]})`,
      ),
  );
  if (errors.length > 0) lines.push('', ...errors);
  return lines.join('\n');
}
