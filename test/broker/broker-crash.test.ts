// Conformance: a broker SIGKILLed in the middle of traffic and started again on the same store
// (KubeMQTestBroker in its own process with a data directory, or a real KubeMQ on the same
// --dir) has kept everything it confirmed: every stored event whose Result said Sent, every
// queue message whose send succeeded. A settlement made well before the kill stays made.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { EventsStoreType, SubscribeType, type KubeMQEventReceive } from '../../lib';
import { uniqueChannel } from '../support/broker';
import { startCrashableBroker } from '../support/child-broker';
import { NEEDS_OWN_BROKER, type OwnBroker } from '../support/own-broker';
import { delay, RawKubeMQClient } from '../support/raw-kubemq-client';
import { bodyText, RawQueueClient } from '../support/raw-queue-client';

/** The package's command line, compiled beside the tests. */
const CLI = join(__dirname, '..', '..', 'lib', 'cli', 'main.js');
const LANES = 4;

const owned: OwnBroker[] = [];
const clients: RawKubeMQClient[] = [];

after(async () => {
  for (const client of clients) client.close();
  for (const broker of owned) await broker.stop();
});

async function crashableBroker(): Promise<OwnBroker> {
  const broker = await startCrashableBroker(CLI);
  owned.push(broker);
  return broker;
}

/** A new client once the broker answers (one per broker life: grpc-js may still back off). */
async function connect(broker: OwnBroker): Promise<RawKubeMQClient> {
  const raw = new RawKubeMQClient(broker.address);
  clients.push(raw);
  for (let attempt = 0; ; attempt += 1) {
    try {
      await raw.ping();
      return raw;
    } catch (error) {
      if (attempt >= 100) throw error;
      await delay(100);
    }
  }
}

/** Runs `send` on LANES lanes until one fails (the kill); returns what was confirmed. */
function sendUntilKilled(send: (id: string) => Promise<boolean>): {
  confirmed: string[];
  done: Promise<void>;
} {
  const confirmed: string[] = [];
  const lane = async (n: number): Promise<void> => {
    for (let i = 0; ; i += 1) {
      const id = `m${n}-${i}`;
      try {
        if (await send(id)) confirmed.push(id);
      } catch {
        return;
      }
    }
  };
  const done = Promise.all(Array.from({ length: LANES }, (_, n) => lane(n))).then(() => undefined);
  return { confirmed, done };
}

async function until(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(20);
  }
}

describe('a broker SIGKILLed mid-traffic', { skip: NEEDS_OWN_BROKER, concurrency: true }, () => {
  it('keeps every events-store event it confirmed, in order and without gaps', async () => {
    const broker = await crashableBroker();
    const channel = uniqueChannel('crash-store');
    const raw = await connect(broker);
    const traffic = sendUntilKilled(async (id) => {
      const result = await raw.sendEvent({
        EventID: id,
        ClientID: 'crash-publisher',
        Channel: channel,
        Body: Buffer.from(id),
        Store: true,
      });
      return result.Sent;
    });
    await until(() => traffic.confirmed.length >= 300, '300 confirmed events');
    await broker.kill();
    await traffic.done;
    await broker.restart();
    const again = await connect(broker);
    const seen: KubeMQEventReceive[] = [];
    const wanted = new Set(traffic.confirmed);
    let found = 0;
    const subscription = again.subscribeToEvents({
      ClientID: `crash-reader-${process.pid}-${Date.now()}`,
      Channel: channel,
      SubscribeTypeData: SubscribeType.EventsStore,
      EventsStoreTypeData: EventsStoreType.StartFromFirst,
    });
    subscription.onMessage((event) => {
      seen.push(event);
      if (wanted.has(event.EventID)) found += 1;
    });
    await until(() => found === wanted.size, `all ${wanted.size} confirmed events`).catch(() => {
      const missing = [...wanted].filter((id) => !seen.some((event) => event.EventID === id));
      assert.fail(
        `${missing.length} of ${wanted.size} confirmed events lost: ${missing.slice(0, 5)}`,
      );
    });
    subscription.cancel();
    const sequences = seen.map((event) => Number(event.Sequence));
    assert.deepEqual(
      sequences,
      sequences.map((_, index) => index + 1),
      'sequences from 1, in order, without gaps',
    );
  });

  it('keeps every queue message it confirmed; what was acked well before stays acked', async () => {
    const broker = await crashableBroker();
    const channel = uniqueChannel('crash-queue');
    const queues = new RawQueueClient(await connect(broker));
    const early = Array.from({ length: 20 }, (_, i) => `early-${i}`);
    for (const body of early) await queues.send({ Channel: channel, Body: Buffer.from(body) });
    const acked = await queues.receive({ Channel: channel, MaxNumberOfMessages: 10 });
    assert.equal(acked.Messages.length, 10);
    await delay(500);
    const traffic = sendUntilKilled(async (id) => {
      const result = await queues.send({ Channel: channel, Body: Buffer.from(id) });
      return !result.IsError;
    });
    await until(() => traffic.confirmed.length >= 300, '300 confirmed messages');
    await broker.kill();
    await traffic.done;
    await broker.restart();
    const after = new RawQueueClient(await connect(broker));
    const drained: string[] = [];
    for (let empty = 0; empty < 2;) {
      const batch = await after.receive({
        Channel: channel,
        MaxNumberOfMessages: 1000,
        WaitTimeSeconds: 1,
      });
      drained.push(...batch.Messages.map(bodyText));
      empty = batch.Messages.length === 0 ? empty + 1 : 0;
    }
    const got = new Set(drained);
    const lost = traffic.confirmed.filter((id) => !got.has(id));
    assert.deepEqual(lost, [], `${lost.length} of ${traffic.confirmed.length} confirmed lost`);
    assert.deepEqual(
      early.filter((body) => got.has(body)),
      early.slice(10),
      'the 10 acked half a second before the kill stay acked; the other 10 are there',
    );
  });
});
