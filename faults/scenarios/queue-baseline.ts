import { setTimeout as sleep } from 'node:timers/promises';
import { StreamRequestType } from '../../lib';
import { RawKubeMQClient } from '../../test/support/raw-kubemq-client';
import { bodyText, RawQueueClient } from '../../test/support/raw-queue-client';
import type { FaultBroker } from '../brokers';
import { RestartPlan } from '../restarts';

/** What the bare gRPC consumers came to. */
export interface BaselineFigures {
  accepted: number;
  /** Accepted and never handled. */
  lost: number;
  /** Sent after the restart. */
  tail: number;
  /** Of those, never handled. */
  lostTail: number;
}

/** The run is over once everything was handled, or nothing new was for this long. */
const QUIET_MS = 20_000;

/** Restarts still due after this long without progress happen anyway. */
const STALL_MS = 15_000;

/**
 * The floor for the queue scenario on a real KubeMQ: the same traffic
 * without Nest or nestjs-kubemq. `messages` are sent with SendQueueMessage,
 * `lanes` bare StreamQueueMessage loops (receive, 5 ms, ack, a new stream)
 * consume them, the broker is SIGKILLed and restarted `restarts` times as
 * they are handled, then a tail of a tenth more is sent. What this loses,
 * the broker lost by itself.
 */
export async function bareQueueBaseline(
  broker: FaultBroker,
  queue: string,
  options: {
    messages: number;
    lanes: number;
    restarts: number;
    downMs: number;
    log: (line: string) => void;
  },
): Promise<BaselineFigures> {
  const { messages, lanes, restarts, downMs, log } = options;
  let client = new RawKubeMQClient(broker.address);
  const queues = (): RawQueueClient => new RawQueueClient(client);
  const send = async (from: number, count: number): Promise<string[]> => {
    const accepted: string[] = [];
    for (let n = from; n < from + count; n += 1) {
      const result = await queues().send({ Channel: queue, Body: Buffer.from(String(n)) });
      if (!result.IsError) accepted.push(String(n));
    }
    return accepted;
  };
  const accepted = await send(0, messages);
  const handled = new Set<string>();
  const plan = new RestartPlan(broker, { total: accepted.length, restarts, downMs, log });
  let stopped = false;
  const lane = async (id: number): Promise<void> => {
    const clientId = `faults-bare-lane-${id}`;
    while (!stopped) {
      try {
        const stream = queues().stream();
        stream.request({
          ClientID: clientId,
          Channel: queue,
          StreamRequestTypeData: StreamRequestType.ReceiveMessage,
          VisibilitySeconds: 60,
          WaitTimeSeconds: 2,
        });
        const received = await stream.next(6000);
        const message = received.Message;
        if (received.IsError || !message?.Attributes) {
          stream.end();
          continue;
        }
        await sleep(5);
        stream.request({
          ClientID: clientId,
          StreamRequestTypeData: StreamRequestType.AckMessage,
          RefSequence: message.Attributes.Sequence,
        });
        const ack = await stream.next(3000);
        if (!ack.IsError) handled.add(bodyText(message));
        plan.progress(handled.size);
      } catch {
        await sleep(100);
      }
    }
  };
  const running = Array.from({ length: lanes }, (_, id) => lane(id));
  // A new channel after each restart: the old one may still be backing off (grpc-js's default
  // backoff grows to 2 min).
  let renewed = 0;
  const renew = setInterval(() => {
    if (plan.outages.length > renewed) {
      renewed = plan.outages.length;
      client.close();
      client = new RawKubeMQClient(broker.address);
    }
  }, 100);
  await plan.finish(STALL_MS);
  await sleep(200);
  clearInterval(renew);
  const tail = await send(messages, Math.ceil(messages / 10));
  const all = [...accepted, ...tail];
  let last = { size: handled.size, at: Date.now() };
  while (all.some((n) => !handled.has(n)) && Date.now() - last.at < QUIET_MS) {
    await sleep(250);
    if (handled.size !== last.size) last = { size: handled.size, at: Date.now() };
  }
  stopped = true;
  await Promise.race([Promise.all(running), sleep(10_000)]);
  client.close();
  return {
    accepted: all.length,
    lost: all.filter((n) => !handled.has(n)).length,
    tail: tail.length,
    lostTail: tail.filter((n) => !handled.has(n)).length,
  };
}
