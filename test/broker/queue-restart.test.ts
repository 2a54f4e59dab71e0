// Queues across a broker restart: the in-process broker hands its store to
// the next one (start({ store })), a real KubeMQ restarts on the same --dir.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  makeQueuePolicy,
  QueuesDownstreamRequestType as D,
  StreamRequestType as S,
} from '../../lib/kubemq/queues/queue-messages';
import { uniqueChannel } from '../support/broker';
import { NEEDS_OWN_BROKER, startOwnBroker, type OwnBroker } from '../support/own-broker';
import { delay, RawKubeMQClient, status, within } from '../support/raw-kubemq-client';
import { deliveries, RawQueueClient } from '../support/raw-queue-client';

const owned: OwnBroker[] = [];
const clients: RawKubeMQClient[] = [];

after(async () => {
  for (const client of clients) client.close();
  for (const broker of owned) await broker.stop();
});

async function ownBroker(): Promise<[OwnBroker, () => Promise<RawQueueClient>]> {
  const broker = await startOwnBroker();
  owned.push(broker);
  // A new client per broker life, used once it answers: grpc-js shares the connection
  // of equal channels, and the one that saw the broker go may still be backing off.
  const connect = async (): Promise<RawQueueClient> => {
    const raw = new RawKubeMQClient(broker.address);
    clients.push(raw);
    for (let attempt = 0; ; attempt += 1) {
      try {
        await raw.ping();
        return new RawQueueClient(raw);
      } catch (error) {
        if (attempt >= 100) throw error;
        await delay(100);
      }
    }
  };
  return [broker, connect];
}

describe('queues across a restart', { skip: NEEDS_OWN_BROKER, concurrency: true }, () => {
  it('keep their messages, sequences and delayed messages after a crash', async () => {
    const [broker, connect] = await ownBroker();
    const channel = uniqueChannel('q-restart');
    let queues = await connect();
    await queues.sendBodies(channel, ['1', '2', '3']);
    assert.deepEqual(
      deliveries((await queues.receive({ Channel: channel, MaxNumberOfMessages: 1 })).Messages),
      ['1#1/rc1'],
    );
    await queues.send({
      Channel: channel,
      Body: Buffer.from('delayed'),
      Policy: makeQueuePolicy({ DelaySeconds: 1 }),
    });
    await broker.kill();
    await broker.restart();
    queues = await connect();
    const back = await queues.receive({
      Channel: channel,
      MaxNumberOfMessages: 3,
      WaitTimeSeconds: 5,
    });
    assert.deepEqual(deliveries(back.Messages), ['2#2/rc1', '3#3/rc1', 'delayed#4/rc1']);
    await queues.sendBodies(channel, ['new']);
    const fresh = await queues.receive({ Channel: channel, MaxNumberOfMessages: 1 });
    assert.deepEqual(deliveries(fresh.Messages), ['new#5/rc1'], 'sequences carry on');
  });

  it('get back what consumers held when the broker stops: stream tail, downstream in place', async () => {
    const [broker, connect] = await ownBroker();
    const channel = uniqueChannel('q-restart');
    const empty = uniqueChannel('q-restart-empty');
    let queues = await connect();
    await queues.sendBodies(channel, ['1', '2', '3']);
    const stream = queues.stream();
    stream.request({
      StreamRequestTypeData: S.ReceiveMessage,
      Channel: channel,
      WaitTimeSeconds: 1,
      VisibilitySeconds: 100,
    });
    assert.deepEqual(deliveries([(await stream.next()).Message!]), ['1#1/rc1']);
    const downstream = queues.downstream();
    downstream.request({ RequestTypeData: D.Get, Channel: channel, MaxItems: 2 });
    assert.deepEqual(deliveries((await downstream.next()).Messages), ['2#2/rc1', '3#3/rc1']);
    const waiting = queues.stream();
    waiting.request({
      StreamRequestTypeData: S.ReceiveMessage,
      Channel: empty,
      WaitTimeSeconds: 60,
    });
    const pull = queues.receive({ Channel: empty, WaitTimeSeconds: 60 }).then(
      () => status.OK,
      (error: { code: status }) => error.code,
    );
    await broker.terminate();
    for (const open of [stream, downstream, waiting]) {
      const final = await within(open.ended, 10_000, 'a queue stream');
      assert.equal(final.code, status.UNAVAILABLE, final.details);
    }
    assert.equal(await within(pull, 10_000, 'the waiting pull'), status.UNAVAILABLE);
    await broker.restart();
    queues = await connect();
    const back = await queues.receive({
      Channel: channel,
      MaxNumberOfMessages: 3,
      WaitTimeSeconds: 5,
    });
    assert.deepEqual(deliveries(back.Messages), ['2#2/rc1', '3#3/rc1', '1#4/rc2']);
  });
});
