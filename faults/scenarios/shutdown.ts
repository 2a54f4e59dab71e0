import { count, waitUntil, type ScenarioContext, type ScenarioResult } from '../scenario';
import { firstAnswer } from './warm-up';

/**
 * A deployment stopping an app: `handlers` slow handlers (each `handlerMs`)
 * are running when the responder gets SIGTERM (Nest's enableShutdownHooks).
 * Every caller gets its answer, and the app exits with code 0 within its
 * gracePeriod.
 */
export async function shutdownScenario(ctx: ScenarioContext): Promise<ScenarioResult> {
  const { handlers, handlerMs, gracePeriodMs } = ctx.options.shutdown;
  const started = Date.now();
  const broker = await ctx.broker();
  const channel = ctx.name('cmd');
  const slow = `${channel}-slow`;
  const responder = await ctx.app('responder', 'responder', {
    address: broker.address,
    clientId: ctx.name('responder'),
    fast: channel,
    slow,
    slowMs: handlerMs,
    gracePeriod: gracePeriodMs,
  });
  const sender = await ctx.app('sender', 'sender', {
    address: broker.address,
    clientId: ctx.name('sender'),
    timeout: gracePeriodMs + handlerMs,
  });
  await firstAnswer(sender, channel);
  await firstAnswer(sender, slow);
  let running = 0;
  responder.on('started', () => (running += 1));
  const warmed = (await responder.call<{ started: number }>('counts')).started;
  running = warmed;
  ctx.log(`${handlers} slow handlers (${handlerMs} ms each), then SIGTERM`);
  const answers = sender.call<string[]>('burst', { channel: slow, count: handlers });
  const allRunning = await waitUntil(() => running - warmed >= handlers, 30_000, 10);
  const signalledAt = Date.now();
  responder.signal('SIGTERM');
  const exit = await responder.exited;
  const outcomes = await answers;
  const exitMs = exit.at - signalledAt;

  const ok = outcomes.filter((outcome) => outcome === 'ok').length;
  const failures: string[] = [];
  if (!allRunning) failures.push(`only ${running - warmed} of ${handlers} handlers started`);
  if (ok !== handlers) {
    failures.push(`${handlers - ok} caller(s) got no answer: ${outcomes.find((o) => o !== 'ok')}`);
  }
  if (exit.code !== 0) failures.push(`exit code ${exit.code} (signal ${exit.signal}), not 0`);
  if (exitMs > gracePeriodMs)
    failures.push(`exited ${exitMs} ms after SIGTERM, past the ${gracePeriodMs} ms grace period`);
  return {
    scenario: 'shutdown',
    broker: ctx.brokerKind,
    rule: `${handlers} handlers in flight at SIGTERM: ${handlers} answers delivered, exit code 0 within the grace period (${gracePeriodMs} ms)`,
    pass: failures.length === 0,
    failures,
    figures: {
      'handlers in flight at SIGTERM': running - warmed,
      'handler time (ms)': handlerMs,
      'answers delivered': `${count(ok)} of ${count(handlers)}`,
      'exit code': exit.code === null ? `signal ${exit.signal}` : exit.code,
      'exit after SIGTERM (ms)': exitMs,
      'grace period (ms)': gracePeriodMs,
    },
    notes: [],
    durationMs: Date.now() - started,
  };
}
