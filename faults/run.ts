import { BROKER_LABELS, findKubeMQServer, type BrokerKind } from './brokers';
import { machineInfo } from './machine';
import { parseOptions, type ScenarioName } from './options';
import { machineLine, renderMarkdown, writeResults, type FaultResults } from './report';
import { ScenarioContext, type ScenarioResult } from './scenario';
import { eventsStoreScenario } from './scenarios/events-store';
import { hostileScenario } from './scenarios/hostile';
import { queuesScenario } from './scenarios/queues';
import { rpcScenario } from './scenarios/rpc';
import { shutdownScenario } from './scenarios/shutdown';

type Scenario = (ctx: ScenarioContext) => Promise<ScenarioResult>;

/** The scenario under way, to stop on a signal. */
let current: ScenarioContext | undefined;

const SCENARIO_RUNS: Partial<Record<ScenarioName, Scenario>> = {
  rpc: rpcScenario,
  'events-store': eventsStoreScenario,
  queues: (ctx) => queuesScenario(ctx, 'SIGKILL'),
  'queues-sigterm': (ctx) => queuesScenario(ctx, 'SIGTERM'),
  shutdown: shutdownScenario,
  hostile: hostileScenario,
};

/**
 * `npm run faults`: each scenario against each broker (KubeMQTestBroker in
 * its own process with its store on disk, and a real KubeMQ when one is
 * kept beside the project), real Nest apps in child processes, the broker
 * SIGKILLed and restarted on the same port and store. Prints each
 * scenario's figures and verdict, writes faults/results/<out>.{md,json},
 * and exits 1 when a scenario failed.
 */
async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const started = Date.now();
  const server = findKubeMQServer();
  const results: FaultResults = {
    date: new Date().toISOString(),
    mode: options.quick ? 'quick' : 'full',
    machine: machineInfo(),
    options,
    brokers: [],
    skipped: [],
    results: [],
    durationMs: 0,
  };
  for (const kind of options.brokers) {
    if (kind === 'kubemq' && !server) {
      results.skipped.push({
        kind,
        reason:
          'no shared/kubemq-server/start beside the project (set KUBEMQ_SERVER_DIR to run against a real KubeMQ)',
      });
    } else {
      results.brokers.push({ kind, label: BROKER_LABELS[kind] });
    }
  }
  console.log(`[faults] ${results.mode} run on ${machineLine(results)}`);
  // Ctrl-C (or CI's timeout) stops the apps and brokers of the scenario under way first.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.log(`[faults] ${signal}: stopping`);
      void Promise.race([current?.close(), new Promise((r) => setTimeout(r, 10_000))]).then(() =>
        process.exit(130),
      );
    });
  }
  for (const skip of results.skipped) console.log(`[faults] SKIPPED ${skip.kind}: ${skip.reason}`);
  for (const scenario of options.scenarios) {
    const run = SCENARIO_RUNS[scenario];
    if (!run) {
      console.log(`[faults] ${scenario}: not available yet`);
      continue;
    }
    for (const { kind } of results.brokers) {
      current = new ScenarioContext(scenario, kind, options, server);
      results.results.push(await runOne(run, current));
    }
  }
  results.durationMs = Date.now() - started;
  const file = writeResults(results, options.out);
  console.log(`\n${renderMarkdown(results)}`);
  console.log(`[faults] results: ${file} (and .json); logs of the apps: .tmp/faults-logs/`);
  const failed = results.results.filter((r) => !r.pass);
  if (failed.length > 0) {
    console.log(`[faults] FAILED: ${failed.map((r) => `${r.scenario} on ${r.broker}`).join(', ')}`);
    return 1;
  }
  console.log(`[faults] all ${results.results.length} scenario runs passed`);
  return 0;
}

/** Runs one scenario on one broker; a scenario that throws is a failure with its reason. */
async function runOne(run: Scenario, ctx: ScenarioContext): Promise<ScenarioResult> {
  const started = Date.now();
  ctx.log('starting');
  let result: ScenarioResult;
  try {
    result = await run(ctx);
  } catch (error) {
    result = {
      scenario: ctx.scenario,
      broker: ctx.brokerKind,
      rule: 'runs to the end',
      pass: false,
      failures: [`it stopped: ${(error as Error).stack ?? String(error)}`],
      figures: {},
      notes: [],
      durationMs: Date.now() - started,
    };
  } finally {
    await ctx.close().catch((error: unknown) => ctx.log(`closing: ${String(error)}`));
  }
  ctx.log(`${result.pass ? 'PASS' : 'FAIL'} (${Math.round(result.durationMs / 1000)} s)`);
  for (const [name, value] of Object.entries(result.figures)) ctx.log(`  ${name}: ${value}`);
  for (const failure of result.failures) ctx.log(`  FAILED: ${failure}`);
  return result;
}

export type { BrokerKind };

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`[faults] ${(error as Error).stack ?? String(error)}`);
    process.exit(2);
  },
);
