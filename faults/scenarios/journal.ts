import { readFileSync } from 'node:fs';

/**
 * The journals queue handlers write (`s <n>` when a handler starts, `h <n>`
 * when it succeeded), appended as they happen so they outlive a SIGKILL.
 */
function lines(journals: string[]): string[] {
  return journals.flatMap((journal) => {
    try {
      return readFileSync(journal, 'utf8').split('\n');
    } catch {
      return [];
    }
  });
}

/** How many times each n was handled to success. */
export function handledCounts(journals: string[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const line of lines(journals)) {
    if (!line.startsWith('h ')) continue;
    const n = Number(line.slice(2));
    counts.set(n, (counts.get(n) ?? 0) + 1);
  }
  return counts;
}

/** The n whose handler started at least once. */
export function startedNumbers(journals: string[]): Set<number> {
  const started = new Set<number>();
  for (const line of lines(journals)) {
    if (line.startsWith('s ')) started.add(Number(line.slice(2)));
  }
  return started;
}
