import { spawn } from 'node:child_process';
import { openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { logsDir } from '../paths';
import { count, type ScenarioContext, type ScenarioResult } from '../scenario';

/** What the fuzz test writes to FUZZ_REPORT. */
interface FuzzFigures {
  seed: number;
  cases: number;
  seconds: number;
  heapBeforeMiB: number;
  heapAfterMiB: number;
}

/** The seeded fuzz test, compiled with the runner. */
const FUZZ_TEST = join(__dirname, '..', '..', 'test', 'e2e', 'hostile-input.test.js');

/**
 * Hostile input: the seeded fuzz test (test/e2e/hostile-input.test.ts: a
 * foreign client sends random and malformed bodies, metadata and tags to a
 * Nest app) with many more cases, once per seed. Each run must pass: every
 * request answered, no crash, no prototype pollution, flat memory.
 */
export async function hostileScenario(ctx: ScenarioContext): Promise<ScenarioResult> {
  const { cases, seeds } = ctx.options.hostile;
  const started = Date.now();
  // The test starts its own in-process broker unless KUBEMQ_ADDRESS names one.
  const address = ctx.brokerKind === 'kubemq' ? (await ctx.broker()).address : undefined;
  const runs: FuzzFigures[] = [];
  const failures: string[] = [];
  for (const seed of seeds) {
    ctx.log(`seed ${seed}: ${count(cases)} cases`);
    const report = join(logsDir(), `fuzz-${ctx.brokerKind}-${seed}.json`);
    rmSync(report, { force: true });
    const code = await runFuzz(seed, cases, report, address, ctx.logFile(`fuzz-${seed}`));
    if (code !== 0) {
      failures.push(
        `seed ${seed}: the fuzz test failed (exit ${code}; ${ctx.logFile(`fuzz-${seed}`)})`,
      );
    }
    try {
      runs.push(JSON.parse(readFileSync(report, 'utf8')) as FuzzFigures);
    } catch {
      failures.push(`seed ${seed}: no figures (the test stopped before the end)`);
    }
  }
  const seconds = runs.reduce((sum, run) => sum + run.seconds, 0);
  const total = runs.reduce((sum, run) => sum + run.cases, 0);
  return {
    scenario: 'hostile',
    broker: ctx.brokerKind,
    rule: 'every fuzz run passes: each request answered (a value or a clear error), no crash, no prototype pollution, heap growth < 64 MiB',
    pass: failures.length === 0,
    failures,
    figures: {
      seeds: seeds.join(', '),
      cases: count(total),
      seconds: Math.round(seconds * 10) / 10,
      'cases/s': seconds > 0 ? Math.round(total / seconds) : 0,
      'heap MiB, before → after, per seed': runs
        .map((run) => `${run.heapBeforeMiB} → ${run.heapAfterMiB}`)
        .join('; '),
    },
    notes: [],
    durationMs: Date.now() - started,
  };
}

function runFuzz(
  seed: number,
  cases: number,
  report: string,
  address: string | undefined,
  logFile: string,
): Promise<number | null> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    FUZZ_SEED: String(seed),
    FUZZ_CASES: String(cases),
    FUZZ_REPORT: report,
  };
  delete env.KUBEMQ_ADDRESS;
  delete env.KUBEMQ_REST_ADDRESS;
  delete env.KUBEMQ_API_ADDRESS;
  if (address) env.KUBEMQ_ADDRESS = address;
  const log = openSync(logFile, 'w');
  const child = spawn(process.execPath, ['--test', '--test-reporter=spec', FUZZ_TEST], {
    env,
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}
