import { rmSync } from 'node:fs';
import { count, waitUntil, type ScenarioContext, type ScenarioResult } from '../scenario';
import { startClientApp } from './client-apps';
import { handledCounts } from './journal';
import { firstAnswer } from './warm-up';

/** Queue handlers of the worker running at once. */
const QUEUE_CONCURRENCY = 10;

/**
 * A deployment stopping an app: `handlers` slow command handlers and
 * QUEUE_CONCURRENCY slow queue handlers (each `handlerMs`) are running when
 * the worker gets SIGTERM (Nest's enableShutdownHooks). Every caller gets
 * its answer, every queue message is either handled and acked or back in
 * its queue (a consumer started afterwards drains it), and the app exits
 * with code 0 within its gracePeriod.
 */
export async function shutdownScenario(ctx: ScenarioContext): Promise<ScenarioResult> {
  const { handlers, handlerMs, gracePeriodMs, queueMessages } = ctx.options.shutdown;
  const started = Date.now();
  const broker = await ctx.broker();
  const command = ctx.name('cmd');
  const queue = ctx.name('queue');
  const journal = ctx.logFile('worker-journal');
  const drainJournal = ctx.logFile('drain-journal');
  rmSync(journal, { force: true });
  rmSync(drainJournal, { force: true });
  const worker = await ctx.app('shutdown-worker', 'worker', {
    address: broker.address,
    clientId: ctx.name('worker'),
    command,
    queue,
    queueConcurrency: QUEUE_CONCURRENCY,
    handlerMs,
    gracePeriod: gracePeriodMs,
    journal,
  });
  const sender = await startClientApp(ctx, 'sender', 'sender', gracePeriodMs + handlerMs);
  const producer = await startClientApp(ctx, 'queue-producer', 'producer');
  let commandsRunning = 0;
  let queueRunning = 0;
  worker.on('command-started', () => (commandsRunning += 1));
  worker.on('queue-started', () => (queueRunning += 1));
  await firstAnswer(sender, command);
  commandsRunning = 0;
  ctx.log(
    `${handlers} command handlers and ${QUEUE_CONCURRENCY} queue handlers (${handlerMs} ms each), then SIGTERM`,
  );
  const sent = await producer.call<{ confirmed: number[] }>('run', {
    queue,
    count: queueMessages,
    concurrency: 4,
    deadlineMs: 10_000,
    backoffMs: 50,
  });
  const answers = sender.call<string[]>('burst', { channel: command, count: handlers });
  const inFlight = Math.min(QUEUE_CONCURRENCY, sent.confirmed.length);
  const allRunning = await waitUntil(
    () => commandsRunning >= handlers && queueRunning >= inFlight,
    30_000,
    10,
  );
  const running = { commands: commandsRunning, queue: queueRunning };
  const signalledAt = Date.now();
  worker.signal('SIGTERM');
  const exit = await worker.exited;
  const outcomes = await answers;
  const exitMs = exit.at - signalledAt;

  // What the worker did not settle must be back in the queue: drain it.
  await ctx.app('queue-consumer', 'drain', {
    address: broker.address,
    clientId: ctx.name('drain'),
    queue,
    concurrency: 4,
    handlerMs: 0,
    gracePeriod: 5000,
    journal: drainJournal,
  });
  const accepted = sent.confirmed;
  const covered = (): Set<number> =>
    new Set([...handledCounts([journal]).keys(), ...handledCounts([drainJournal]).keys()]);
  await waitUntil(() => accepted.every((n) => covered().has(n)), 30_000, 200);
  const byWorker = handledCounts([journal]);
  const drained = handledCounts([drainJournal]);
  const lost = accepted.filter((n) => !covered().has(n));
  const twice = [...byWorker.keys()].filter((n) => drained.has(n)).length;

  const ok = outcomes.filter((outcome) => outcome === 'ok').length;
  const failures: string[] = [];
  if (!allRunning) {
    failures.push(
      `not all handlers started: ${running.commands} of ${handlers} commands, ${running.queue} of ${inFlight} queue messages`,
    );
  }
  if (ok !== handlers) {
    failures.push(`${handlers - ok} caller(s) got no answer: ${outcomes.find((o) => o !== 'ok')}`);
  }
  if (lost.length > 0)
    failures.push(`${lost.length} queue message(s) neither handled nor back in the queue`);
  if (exit.code !== 0) failures.push(`exit code ${exit.code} (signal ${exit.signal}), not 0`);
  if (exitMs > gracePeriodMs) {
    failures.push(`exited ${exitMs} ms after SIGTERM, past the ${gracePeriodMs} ms grace period`);
  }
  return {
    scenario: 'shutdown',
    broker: ctx.brokerKind,
    rule: `SIGTERM with ${handlers} command and ${QUEUE_CONCURRENCY} queue handlers in flight: ${handlers} answers delivered, every queue message handled or back in its queue, exit code 0 within the grace period (${gracePeriodMs} ms)`,
    pass: failures.length === 0,
    failures,
    figures: {
      'command handlers in flight at SIGTERM': running.commands,
      'queue handlers in flight at SIGTERM': running.queue,
      'handler time (ms)': handlerMs,
      'answers delivered': `${count(ok)} of ${count(handlers)}`,
      'queue messages': accepted.length,
      'handled by the worker (acked)': byWorker.size,
      'back in the queue, drained after': drained.size,
      'handled by the worker and delivered again': twice,
      'queue messages lost': lost.length,
      'exit code': exit.code === null ? `signal ${exit.signal}` : exit.code,
      'exit after SIGTERM (ms)': exitMs,
      'grace period (ms)': gracePeriodMs,
    },
    notes: [],
    durationMs: Date.now() - started,
  };
}
