import { setTimeout as sleep } from 'node:timers/promises';
import { StreamRequestType } from '../../lib';
import { RawKubeMQClient } from '../../test/support/raw-kubemq-client';
import { bodyText, RawQueueClient } from '../../test/support/raw-queue-client';
import type { FaultBroker } from '../brokers';
import { RestartPlan } from '../restarts';

/** What the bare gRPC consumers came to. */
export interface BaselineFigures {
  accepted: number;
  handled: number;
  lost: number;
}

/** The run is over once everything was handled, or nothing new was for this long. */
const QUIET_MS = 20_000;

/**
 * The floor for the queue scenario on a real KubeMQ: the same traffic
 * without Nest or nestjs-kubemq. `messages` are sent with SendQueueMessage,
 * `lanes` bare StreamQueueMessage loops (receive, 5 ms, ack, a new stream)
 * consume them, and the broker is SIGKILLed and restarted once half are
 * handled. What this loses, the broker lost by itself.
 */
export async function bareQueueBaseline(
  broker: FaultBroker,
  queue: string,
  messages: number,
  lanes: number,
  downMs: number,
  log: (line: string) => void,
): Promise<BaselineFigures> {
  let client = new RawKubeMQClient(broker.address);
  const queues = (): RawQueueClient => new RawQueueClient(client);
  let accepted = 0;
  for (let n = 0; n < messages; n += 1) {
    const result = await queues().send({ Channel: queue, Body: Buffer.from(String(n)) });
    if (!result.IsError) accepted += 1;
  }
  const handled = new Set<string>();
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
      } catch {
        await sleep(100);
      }
    }
  };
  const running = Array.from({ length: lanes }, (_, id) => lane(id));
  const plan = new RestartPlan(broker, 2, 1, downMs, log);
  while (handled.size < accepted / 2) await sleep(5);
  await plan.restart();
  // A new channel: the old one may still be backing off (grpc-js's default backoff grows to 2 min).
  client.close();
  client = new RawKubeMQClient(broker.address);
  let last = { size: handled.size, at: Date.now() };
  while (handled.size < accepted && Date.now() - last.at < QUIET_MS) {
    await sleep(250);
    if (handled.size !== last.size) last = { size: handled.size, at: Date.now() };
  }
  stopped = true;
  await Promise.race([Promise.all(running), sleep(10_000)]);
  client.close();
  return { accepted, handled: handled.size, lost: accepted - handled.size };
}
