import { RestartPlan } from '../restarts';
import { commonMessages, count, type ScenarioContext, type ScenarioResult } from '../scenario';
import { DEADLINE_MS, startClientApp, type LoopResult } from './client-apps';
import { firstAnswer } from './warm-up';

/** Timeout of each probe command after a restart. */
const PROBE_TIMEOUT_MS = 250;

/**
 * RPC across broker restarts: a Nest sender sends commands in a closed loop
 * to a Nest responder while the broker is SIGKILLed and restarted. Every
 * call must settle (0 hung), every failure must name the channel, and the
 * responder must answer again within `recoveryMs` of the broker's return.
 */
export async function rpcScenario(ctx: ScenarioContext): Promise<ScenarioResult> {
  const { commands, concurrency, restarts, recoveryMs } = ctx.options.rpc;
  const started = Date.now();
  const broker = await ctx.broker();
  const channel = ctx.name('cmd');
  await ctx.app('responder', 'responder', {
    address: broker.address,
    clientId: ctx.name('responder'),
    channel,
  });
  const sender = await startClientApp(ctx, 'sender', 'sender');
  await firstAnswer(sender, channel);
  // A second sender probes with short timeouts from each return on: when the responder answers
  // again, apart from the loop's lanes, which may all be waiting out requests sent before it did.
  const prober = await startClientApp(ctx, 'sender', 'prober');
  const probes: Array<Promise<number>> = [];
  const plan = new RestartPlan(broker, {
    total: commands,
    restarts,
    downMs: ctx.options.downMs,
    log: (line) => ctx.log(line),
    onBack: () =>
      probes.push(prober.call<number>('probe', { channel, timeoutMs: PROBE_TIMEOUT_MS })),
  });
  sender.on('progress', (done) => plan.progress(done as number));
  ctx.log(`${count(commands)} commands at concurrency ${concurrency}, ${restarts} restart(s)`);
  const result = await sender.call<LoopResult>('run', {
    channel,
    count: commands,
    concurrency,
    deadlineMs: DEADLINE_MS,
    backoffMs: 250,
  });
  await plan.settled();
  const answeredAt = await Promise.all(probes);

  const recoveries = plan.outages.map(({ backAt }, i) => answeredAt[i] - backAt);
  const loopRecoveries = plan.outages.map(({ backAt }) => {
    const first = result.successes.filter((at) => at >= backAt).sort((a, b) => a - b)[0];
    return first === undefined ? Number.POSITIVE_INFINITY : first - backAt;
  });
  const unnamed = result.failures.filter(({ message }) => !message.includes(channel));
  const settled = result.successes.length + result.failures.length + result.hung;
  const failures: string[] = [];
  if (result.hung > 0)
    failures.push(`${result.hung} call(s) never settled within ${DEADLINE_MS} ms`);
  if (settled !== commands) failures.push(`${settled} of ${commands} calls settled`);
  if (unnamed.length > 0) {
    failures.push(
      `${unnamed.length} failure(s) do not name the channel: ${commonMessages(unnamed.map((f) => f.message)).join('; ')}`,
    );
  }
  recoveries.forEach((ms, i) => {
    if (ms > recoveryMs) {
      failures.push(`restart ${i + 1}: the responder answered ${ms} ms after the broker's return`);
    }
  });
  if (plan.missed > 0)
    failures.push(`${plan.missed} restart(s) did not happen (the run ended first)`);
  return {
    scenario: 'rpc',
    broker: ctx.brokerKind,
    rule: `every call settles (0 hung), each failure names the channel, answers again within ${recoveryMs} ms of the broker's return`,
    pass: failures.length === 0,
    failures,
    figures: {
      commands: count(commands),
      concurrency,
      restarts: plan.outages.length,
      'broker down (ms)': plan.outages.map((o) => o.backAt - o.killedAt).join(' / '),
      succeeded: count(result.successes.length),
      failed: count(result.failures.length),
      hung: result.hung,
      'failures naming the channel': `${count(result.failures.length - unnamed.length)} of ${count(result.failures.length)}`,
      'responder answers again, after the return (ms)': recoveries.join(' / '),
      'first success in the loop, after the return (ms)': loopRecoveries.join(' / '),
    },
    notes: commonMessages(result.failures.map((f) => f.message.replaceAll(channel, '<channel>'))),
    durationMs: Date.now() - started,
  };
}
