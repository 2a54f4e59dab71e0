import { RestartPlan } from '../restarts';
import {
  commonMessages,
  count,
  waitUntil,
  type ScenarioContext,
  type ScenarioResult,
} from '../scenario';
import { DEADLINE_MS, startClientApp, type LoopResult } from './client-apps';

/** How long the subscriber may take, after the last store, to handle what was confirmed. */
const CATCH_UP_MS = 60_000;

/**
 * The events store across broker restarts: a Nest publisher stores events
 * { n } (each tried once) while a Nest subscriber (`type: 'events-store'`,
 * from the first event) handles them; the broker is SIGKILLed and
 * restarted meanwhile. Every event the broker confirmed must reach the
 * handler exactly once, in sequence order.
 */
export async function eventsStoreScenario(ctx: ScenarioContext): Promise<ScenarioResult> {
  const { events, concurrency, restarts } = ctx.options.eventsStore;
  const started = Date.now();
  const broker = await ctx.broker();
  const channel = ctx.name('store');
  const subscriber = await ctx.app('store-subscriber', 'subscriber', {
    address: broker.address,
    clientId: ctx.name('subscriber'),
    channel,
  });
  const publisher = await startClientApp(ctx, 'store-publisher', 'publisher');
  const plan = new RestartPlan(broker, {
    total: events,
    restarts,
    downMs: ctx.options.downMs,
    log: (line) => ctx.log(line),
  });
  publisher.on('progress', (done) => plan.progress(done as number));
  ctx.log(`${count(events)} events at concurrency ${concurrency}, ${restarts} restart(s)`);
  const result = await publisher.call<LoopResult>('run', {
    channel,
    count: events,
    concurrency,
    deadlineMs: DEADLINE_MS,
    backoffMs: 50,
  });
  await plan.settled();
  const publishedAt = Date.now();

  const confirmed = new Set(result.confirmed);
  const handledNumbers = async (): Promise<Set<number>> =>
    new Set((await subscriber.call<Array<[number, number]>>('handled')).map(([n]) => n));
  await waitUntil(
    async () => {
      const seen = await handledNumbers();
      return result.confirmed.every((n) => seen.has(n));
    },
    CATCH_UP_MS,
    250,
  );
  const caughtUpMs = Date.now() - publishedAt;
  const handled = await subscriber.call<Array<[number, number]>>('handled');

  const seenSequences = new Set<number>();
  let repeated = 0;
  let outOfOrder = 0;
  let previous = 0;
  for (const [, sequence] of handled) {
    if (seenSequences.has(sequence)) repeated += 1;
    seenSequences.add(sequence);
    if (sequence <= previous) outOfOrder += 1;
    previous = Math.max(previous, sequence);
  }
  const numbers = new Set(handled.map(([n]) => n));
  const lost = [...confirmed].filter((n) => !numbers.has(n));
  const storedTwice = handled.length - repeated - numbers.size;
  const unconfirmedHandled = [...numbers].filter((n) => !confirmed.has(n)).length;
  const failures: string[] = [];
  if (lost.length > 0)
    failures.push(
      `${lost.length} confirmed event(s) never handled: n=${lost.slice(0, 5).join(', ')}`,
    );
  if (repeated > 0) failures.push(`${repeated} event(s) handled more than once`);
  if (outOfOrder > 0) failures.push(`${outOfOrder} event(s) handled out of sequence order`);
  if (result.hung > 0) failures.push(`${result.hung} storeEvent call(s) never settled`);
  if (plan.missed > 0)
    failures.push(`${plan.missed} restart(s) did not happen (the run ended first)`);
  return {
    scenario: 'events-store',
    broker: ctx.brokerKind,
    rule: 'every event the broker confirmed is handled once, in order (0 lost, 0 repeated, 0 out of order)',
    pass: failures.length === 0,
    failures,
    figures: {
      'events tried': count(events),
      concurrency,
      restarts: plan.outages.length,
      'broker down (ms)': plan.outages.map((o) => o.backAt - o.killedAt).join(' / '),
      confirmed: count(confirmed.size),
      'failed (not confirmed)': count(result.failures.length),
      hung: result.hung,
      handled: count(handled.length),
      lost: lost.length,
      repeated,
      'out of order': outOfOrder,
      'unconfirmed but stored and handled': unconfirmedHandled,
      'handled all confirmed (ms after the last store)': caughtUpMs,
    },
    notes: [
      ...(storedTwice > 0 ? [`${storedTwice} payload(s) stored twice under two sequences`] : []),
      ...commonMessages(result.failures.map((f) => f.message.replaceAll(channel, '<channel>'))),
    ],
    durationMs: Date.now() - started,
  };
}
