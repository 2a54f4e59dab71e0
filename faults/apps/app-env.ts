import { setTimeout as sleep } from 'node:timers/promises';

/** The JSON the runner passes as an app's first argument. */
export function appEnv<T>(): T {
  const raw = process.argv[2];
  if (!raw) throw new Error('faults app: missing its JSON argument');
  return JSON.parse(raw) as T;
}

export { sleep };

/** What one call of a closed loop came to. */
export type CallOutcome =
  | { kind: 'ok'; at: number }
  | { kind: 'failed'; at: number; message: string }
  | { kind: 'hung'; at: number };

/** What a closed loop of calls came to, for the runner. */
export interface LoopResult {
  /** Date.now() of each success, in order of completion. */
  successes: number[];
  failures: Array<{ at: number; message: string }>;
  hung: number;
  /** Indexes whose call succeeded (what the broker confirmed). */
  confirmed: number[];
}

/**
 * Runs `count` calls, `concurrency` at a time; each call gets `deadlineMs`
 * to settle (else it counts as hung, the thing that must never happen).
 * After a failure a lane waits `backoffMs`, as an app with a retry delay
 * would, so an outage does not burn the whole count in fast failures.
 * Reports progress every 100 calls.
 */
export async function closedLoop(
  count: number,
  concurrency: number,
  deadlineMs: number,
  backoffMs: number,
  call: (index: number) => Promise<void>,
  progress: (done: number) => void,
): Promise<LoopResult> {
  const result: LoopResult = { successes: [], failures: [], hung: 0, confirmed: [] };
  let next = 0;
  let done = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      const outcome = await withDeadline(call(index), deadlineMs);
      if (outcome.kind === 'ok') {
        result.successes.push(outcome.at);
        result.confirmed.push(index);
      } else if (outcome.kind === 'failed') {
        result.failures.push({ at: outcome.at, message: outcome.message });
      } else {
        result.hung += 1;
      }
      done += 1;
      if (done % 100 === 0) progress(done);
      if (outcome.kind !== 'ok') await sleep(backoffMs);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  progress(done);
  return result;
}

function withDeadline(call: Promise<void>, deadlineMs: number): Promise<CallOutcome> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ kind: 'hung', at: Date.now() }), deadlineMs);
    call.then(
      () => {
        clearTimeout(timer);
        resolve({ kind: 'ok', at: Date.now() });
      },
      (error: unknown) => {
        clearTimeout(timer);
        resolve({ kind: 'failed', at: Date.now(), message: errorText(error) });
      },
    );
  });
}

/** What a caller reads of an error: a message, or the object Nest errored with. */
export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (error && typeof error === 'object') {
    const message = (error as { message?: unknown }).message;
    if (typeof message === 'string') return message;
    return JSON.stringify(error);
  }
  return String(error);
}
