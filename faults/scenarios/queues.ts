import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AppProcess } from '../ipc';
import { handledCounts, startedNumbers } from './journal';
import { bareQueueBaseline, type BaselineFigures } from './queue-baseline';
import { RestartPlan } from '../restarts';
import {
  commonMessages,
  count,
  waitUntil,
  type ScenarioContext,
  type ScenarioResult,
} from '../scenario';

const TIMEOUT_MS = 5000;
const DEADLINE_MS = TIMEOUT_MS + 5000;
/** How long a consumer's handler takes. */
const HANDLER_MS = 5;
/** The run is over once every accepted message was handled, or nothing new was for this long. */
const QUIET_MS = 20_000;
/** When the consumer is killed in its handler: after this share of the messages was handled. */
const CONSUMER_KILL_AT = 0.4;

/** One consumer app with the journal it writes. */
interface Consumer {
  app: AppProcess;
  journal: string;
  inFlight: number;
}

/**
 * Queues across broker restarts and a consumer crash: a Nest producer sends
 * messages { n } with sendToQueue() while two Nest consumer apps
 * (`{ type: 'queue' }`, acked after the handler succeeded) handle them; the
 * broker is SIGKILLed and restarted meanwhile, and one consumer is
 * SIGKILLed in the middle of a handler and started again. Every accepted
 * message must be handled to success at least once.
 */
export async function queuesScenario(ctx: ScenarioContext): Promise<ScenarioResult> {
  const { messages, concurrency, restarts } = ctx.options.queues;
  const started = Date.now();
  const broker = await ctx.broker();
  const queue = ctx.name('queue');
  let handled = 0;
  const plan = new RestartPlan(broker, messages, restarts, ctx.options.downMs, (l) => ctx.log(l));
  const consumers: Consumer[] = [];
  const startConsumer = async (role: string): Promise<Consumer> => {
    const journal = ctx.logFile(`${role}-journal`);
    rmSync(journal, { force: true });
    const app = await ctx.app('queue-consumer', role, {
      address: broker.address,
      clientId: ctx.name(role.replace(/-\d+$/, '')),
      queue,
      concurrency,
      handlerMs: HANDLER_MS,
      gracePeriod: 10_000,
      journal,
    });
    const consumer: Consumer = { app, journal, inFlight: 0 };
    app.on('started', () => (consumer.inFlight += 1));
    app.on('handled', () => {
      consumer.inFlight -= 1;
      handled += 1;
      plan.progress(handled);
    });
    consumers.push(consumer);
    return consumer;
  };
  const victim = await startConsumer('consumer-a-1');
  await startConsumer('consumer-b-1');
  const producer = await ctx.app('queue-producer', 'producer', {
    address: broker.address,
    clientId: ctx.name('producer'),
    timeout: TIMEOUT_MS,
  });
  ctx.log(
    `${count(messages)} messages, 2 consumers × ${concurrency}, ${restarts} restart(s), one consumer killed`,
  );
  const crash = killInHandler(ctx, victim, () => handled >= messages * CONSUMER_KILL_AT).then(
    async (killedAt) => {
      await sleep(500);
      await startConsumer('consumer-a-2');
      return killedAt;
    },
  );
  const result = await producer.call<{
    confirmed: number[];
    failures: Array<{ at: number; message: string }>;
    hung: number;
  }>('run', { queue, count: messages, concurrency: 8, deadlineMs: DEADLINE_MS, backoffMs: 50 });
  const consumerKilled = await crash;
  await plan.settled();
  // After the last restart: a tail of new messages, which nothing can excuse losing.
  const tailCount = Math.ceil(messages / 10);
  const tail = await producer.call<typeof result>('run', {
    queue,
    count: tailCount,
    from: messages,
    concurrency: 8,
    deadlineMs: DEADLINE_MS,
    backoffMs: 50,
  });

  const accepted = new Set([...result.confirmed, ...tail.confirmed]);
  const acceptedAfter = new Set(tail.confirmed);
  let last = { handled, at: Date.now() };
  await waitUntil(
    () => {
      const counts = handledCounts(consumers.map((c) => c.journal));
      if ([...accepted].every((n) => counts.has(n))) return true;
      if (handled !== last.handled) last = { handled, at: Date.now() };
      return Date.now() - last.at > QUIET_MS;
    },
    10 * 60_000,
    250,
  );
  const counts = handledCounts(consumers.map((c) => c.journal));
  const startedOnly = startedNumbers(consumers.map((c) => c.journal));
  const lost = [...accepted].filter((n) => !counts.has(n));
  const lostAfter = lost.filter((n) => acceptedAfter.has(n));
  const moreThanOnce = [...counts.values()].filter((times) => times > 1).length;
  const unconfirmedHandled = [...counts.keys()].filter((n) => !accepted.has(n)).length;
  // A real KubeMQ loses queue messages at its own SIGKILL (a bare gRPC consumer too: the
  // baseline below); only what it accepted after its last restart must all be handled there.
  const real = ctx.brokerKind === 'kubemq';
  const mustHandle = real ? lostAfter : lost;
  const failures: string[] = [];
  if (mustHandle.length > 0) {
    failures.push(
      `${mustHandle.length} accepted message(s) never handled` +
        `${real ? ' (accepted after the last restart)' : ''}: n=${mustHandle.slice(0, 5).join(', ')}`,
    );
  }
  const hung = result.hung + tail.hung;
  if (hung > 0) failures.push(`${hung} sendToQueue call(s) never settled`);
  if (consumerKilled === undefined) failures.push('the consumer was never caught in a handler');
  if (plan.missed > 0)
    failures.push(`${plan.missed} restart(s) did not happen (the run ended first)`);
  const notes = commonMessages(
    [...result.failures, ...tail.failures].map((f) => f.message.replaceAll(queue, '<queue>')),
  );
  let baseline: BaselineFigures | undefined;
  if (real) {
    ctx.log('the same traffic with bare gRPC consumers (no Nest), for comparison');
    baseline = await bareQueueBaseline(
      broker,
      `${queue}-bare`,
      messages,
      2 * concurrency,
      ctx.options.downMs,
      (l) => ctx.log(l),
    );
    if (lost.length > 0) {
      const started = lost.filter((n) => startedOnly.has(n)).length;
      notes.unshift(
        `${lost.length} message(s) accepted before a broker SIGKILL were never delivered again ` +
          `(${started} of them had reached a handler); bare gRPC consumers lost ${baseline.lost} of ` +
          `${baseline.accepted} to one SIGKILL of the same server`,
      );
    }
  }
  return {
    scenario: 'queues',
    broker: ctx.brokerKind,
    rule: real
      ? 'every message accepted after the last broker SIGKILL is handled to success at least once (KubeMQ Community itself loses messages it held at a SIGKILL: reported, with bare gRPC consumers as the floor); handled more than once is reported'
      : 'every accepted message is handled to success at least once (0 lost); handled more than once is reported',
    pass: failures.length === 0,
    failures,
    figures: {
      messages: count(messages),
      consumers: `2 × concurrency ${concurrency}`,
      restarts: plan.outages.length,
      'broker down (ms)': plan.outages.map((o) => o.backAt - o.killedAt).join(' / '),
      'consumer SIGKILLed in a handler': consumerKilled === undefined ? 'no' : 'yes',
      'sent after the last restart': count(tailCount),
      accepted: count(accepted.size),
      'refused (not accepted)': count(result.failures.length + tail.failures.length),
      hung,
      'handled to success': count(counts.size),
      lost: lost.length,
      'lost, of those accepted after the last restart': lostAfter.length,
      'handled more than once': moreThanOnce,
      'not accepted but handled': unconfirmedHandled,
      ...(baseline
        ? {
            'bare gRPC consumers, one SIGKILL: lost': `${baseline.lost} of ${count(baseline.accepted)}`,
          }
        : {}),
    },
    notes,
    durationMs: Date.now() - started,
  };
}

/**
 * SIGKILLs `consumer` once `due()` and it has a handler running; resolves
 * with when, or undefined if that never happened within two minutes.
 */
async function killInHandler(
  ctx: ScenarioContext,
  consumer: Consumer,
  due: () => boolean,
): Promise<number | undefined> {
  const caught = await waitUntil(() => due() && consumer.inFlight > 0, 120_000, 1);
  if (!caught) return undefined;
  consumer.app.signal('SIGKILL');
  const killedAt = Date.now();
  ctx.log(`consumer ${consumer.app.name} SIGKILLed with ${consumer.inFlight} handler(s) running`);
  await consumer.app.exited;
  return killedAt;
}
