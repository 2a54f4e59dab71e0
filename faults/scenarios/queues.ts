import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AppProcess } from '../ipc';
import { RestartPlan } from '../restarts';
import {
  commonMessages,
  count,
  waitUntil,
  type ScenarioContext,
  type ScenarioResult,
} from '../scenario';
import { DEADLINE_MS, startClientApp, type LoopResult } from './client-apps';
import { handledCounts, startedNumbers } from './journal';
import { bareQueueBaseline, type BaselineFigures } from './queue-baseline';

/** How long a consumer's handler takes. */
const HANDLER_MS = 5;
/** The run is over once every accepted message was handled, or nothing new was for this long. */
const QUIET_MS = 20_000;
/** The consumer is killed in a handler once this share of the messages was handled ... */
const CONSUMER_KILL_AT = 0.35;
/** ... or this long after the start, whichever comes first. */
const CONSUMER_KILL_LATEST_MS = 20_000;
/** Restarts still due after this long without progress happen anyway. */
const STALL_MS = 15_000;

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
 * broker is restarted meanwhile (SIGKILL, or SIGTERM as a deployment stops
 * it), one consumer is SIGKILLed in the middle of a handler and started
 * again, and after the last restart a tail of new messages is sent. Every
 * accepted message must be handled to success at least once; how many were
 * handled more than once is reported.
 *
 * A real KubeMQ (Community v2.4.0) loses queue messages when it is
 * SIGKILLed with consumers at work, whatever the client: there the same
 * traffic also runs through bare gRPC consumers, the loss of both is
 * reported, and the rule is that consumption resumes after every restart
 * and nothing hangs.
 */
export async function queuesScenario(
  ctx: ScenarioContext,
  signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL',
): Promise<ScenarioResult> {
  const { messages, concurrency, restarts } = ctx.options.queues;
  const started = Date.now();
  const broker = await ctx.broker();
  const queue = ctx.name('queue');
  let handled = 0;
  const plan = new RestartPlan(broker, {
    total: messages,
    restarts,
    downMs: ctx.options.downMs,
    signal,
    log: (line) => ctx.log(line),
  });
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
  const journals = (): string[] => consumers.map((consumer) => consumer.journal);
  const victim = await startConsumer('consumer-a-1');
  await startConsumer('consumer-b-1');
  const producer = await startClientApp(ctx, 'queue-producer', 'producer');
  ctx.log(
    `${count(messages)} messages, 2 consumers × ${concurrency}, ${restarts} restart(s) by ${signal}, one consumer killed`,
  );
  const due = (): boolean =>
    handled >= messages * CONSUMER_KILL_AT || Date.now() - started > CONSUMER_KILL_LATEST_MS;
  const crash = killInHandler(ctx, victim, due).then(async (killedAt) => {
    await sleep(500);
    // Started again as an orchestrator would: until it starts (the broker may be down just then).
    const deadline = Date.now() + 60_000;
    for (let attempt = 2; ; attempt += 1) {
      try {
        await startConsumer(`consumer-a-${attempt}`);
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await sleep(500);
      }
    }
    return killedAt;
  });
  const send = (count: number, from: number): Promise<LoopResult> =>
    producer.call<LoopResult>('run', {
      queue,
      count,
      from,
      concurrency: 8,
      deadlineMs: DEADLINE_MS,
      backoffMs: 50,
    });
  const result = await send(messages, 0);
  const consumerKilled = await crash;
  await plan.finish(STALL_MS);
  // After the last restart: a tail of new messages.
  const tailCount = Math.ceil(messages / 10);
  const tail = await send(tailCount, messages);

  const accepted = new Set([...result.confirmed, ...tail.confirmed]);
  let last = { handled, at: Date.now() };
  await waitUntil(
    () => {
      const counts = handledCounts(journals());
      if ([...accepted].every((n) => counts.has(n))) return true;
      if (handled !== last.handled) last = { handled, at: Date.now() };
      return Date.now() - last.at > QUIET_MS;
    },
    10 * 60_000,
    250,
  );
  const counts = handledCounts(journals());
  const lost = [...accepted].filter((n) => !counts.has(n));
  const tailHandled = tail.confirmed.filter((n) => counts.has(n)).length;
  const lostTail = tail.confirmed.length - tailHandled;
  const moreThanOnce = [...counts.values()].filter((times) => times > 1).length;
  const unconfirmedHandled = [...counts.keys()].filter((n) => !accepted.has(n)).length;
  const hung = result.hung + tail.hung;
  const serverLoses = ctx.brokerKind === 'kubemq' && signal === 'SIGKILL';

  const failures: string[] = [];
  if (!serverLoses && lost.length > 0) {
    failures.push(
      `${lost.length} accepted message(s) never handled: n=${lost.slice(0, 5).join(', ')}`,
    );
  }
  if (serverLoses && tailHandled === 0) {
    failures.push('nothing sent after the last restart was handled: consumption did not resume');
  }
  if (hung > 0) failures.push(`${hung} sendToQueue call(s) never settled`);
  if (consumerKilled === undefined) failures.push('the consumer was never caught in a handler');
  if (plan.outages.length < restarts) {
    failures.push(`${restarts - plan.outages.length} restart(s) did not happen`);
  }
  const notes = commonMessages(
    [...result.failures, ...tail.failures].map((f) => f.message.replaceAll(queue, '<queue>')),
  );
  let baseline: BaselineFigures | undefined;
  if (serverLoses) {
    ctx.log('bare gRPC consumers (no Nest) on a fresh KubeMQ, for comparison');
    const fresh = await ctx.otherBroker();
    baseline = await bareQueueBaseline(fresh, `${queue}-bare`, {
      messages,
      lanes: 2 * concurrency,
      restarts,
      downMs: ctx.options.downMs,
      log: (line) => ctx.log(line),
    });
    const reached = lost.filter((n) => startedNumbers(journals()).has(n)).length;
    notes.unshift(
      `KubeMQ Community lost ${lost.length} accepted message(s) to SIGKILLs (${reached} had reached a handler before ` +
        `a restart; ${lostTail} of the ${count(tail.confirmed.length)} sent after the last restart); bare gRPC ` +
        `consumers, the same ${restarts} SIGKILL(s): ${baseline.lost} of ${count(baseline.accepted)} lost, ` +
        `${baseline.lostTail} of the ${baseline.tail} sent after the last restart`,
    );
  }
  return {
    scenario: signal === 'SIGKILL' ? 'queues' : 'queues-sigterm',
    broker: ctx.brokerKind,
    rule: serverLoses
      ? 'consumption resumes after every broker SIGKILL and nothing hangs; KubeMQ Community itself loses queue messages at a SIGKILL (a bare gRPC consumer too): lost messages are reported, beside bare gRPC consumers'
      : 'every accepted message is handled to success at least once (0 lost); handled more than once is reported',
    pass: failures.length === 0,
    failures,
    figures: {
      messages: count(messages),
      consumers: `2 × concurrency ${concurrency}`,
      restarts: `${plan.outages.length} (${signal})`,
      'broker down (ms)': plan.outages.map((o) => o.backAt - o.killedAt).join(' / '),
      'consumer SIGKILLed in a handler': consumerKilled === undefined ? 'no' : 'yes',
      'sent after the last restart': count(tailCount),
      accepted: count(accepted.size),
      'refused (not accepted)': count(result.failures.length + tail.failures.length),
      hung,
      'handled to success': count(counts.size),
      lost: lost.length,
      'lost, of those sent after the last restart': lostTail,
      'handled more than once': moreThanOnce,
      'not accepted but handled': unconfirmedHandled,
      ...(baseline
        ? {
            'bare gRPC consumers, the same restarts: lost': `${baseline.lost} of ${count(baseline.accepted)} (${baseline.lostTail} of ${baseline.tail} sent after the last)`,
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
