// The delivery model (§6.2, §15): one FIFO cursor per channel shared by all
// consumers, per-channel sequences, dead letters, delays and expiry.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KubeMQErrorText as E } from '../../lib/kubemq/errors';
import {
  makeQueuePolicy,
  QueuesDownstreamRequestType as D,
  StreamRequestType as S,
  type QueueMessage,
} from '../../lib/kubemq/queues/queue-messages';
import { uniqueChannel } from '../support/broker';
import { delay, within } from '../support/raw-kubemq-client';
import { bodyText, deliveries, useQueueClient } from '../support/raw-queue-client';

const env = useQueueClient();
const SECOND_NS = 1_000_000_000n;

/** Receives one message of `channel` on a new stream and rejects it; resolves with it. */
async function receiveAndReject(channel: string): Promise<QueueMessage> {
  const stream = env.queues.stream();
  stream.request({ StreamRequestTypeData: S.ReceiveMessage, Channel: channel, WaitTimeSeconds: 1 });
  const got = await stream.next();
  assert.ok(got.Message, got.Error);
  stream.request({
    StreamRequestTypeData: S.RejectMessage,
    RefSequence: got.Message.Attributes!.Sequence,
  });
  assert.equal((await stream.next()).IsError, false);
  await within(stream.ended, 5000, 'the end of the transaction');
  return got.Message;
}

describe('one cursor per channel', { concurrency: true }, () => {
  it('is shared by stream, pull and downstream consumers: each message goes to one of them', async () => {
    // Each consumer asks for exactly what is there: a real server's consumers take a
    // message more than they asked for when they can, and give it back later.
    const channel = uniqueChannel('q-cursor');
    await env.queues.sendBodies(channel, ['1', '2', '3']);
    const stream = env.queues.stream();
    const downstream = env.queues.downstream();
    try {
      stream.request({
        StreamRequestTypeData: S.ReceiveMessage,
        Channel: channel,
        WaitTimeSeconds: 1,
      });
      assert.deepEqual(deliveries([(await stream.next()).Message!]), ['1#1/rc1']);
      const pulled = await env.queues.receive({ Channel: channel, MaxNumberOfMessages: 2 });
      assert.deepEqual(deliveries(pulled.Messages), ['2#2/rc1', '3#3/rc1']);
      await env.queues.sendBodies(channel, ['4', '5']);
      downstream.request({ RequestTypeData: D.Get, Channel: channel, MaxItems: 2 });
      assert.deepEqual(deliveries((await downstream.next()).Messages), ['4#4/rc1', '5#5/rc1']);
      await env.queues.sendBodies(channel, ['6']);
      const rest = await env.queues.receive({ Channel: channel });
      assert.deepEqual(deliveries(rest.Messages), ['6#6/rc1']);
    } finally {
      stream.cancel();
      downstream.cancel();
    }
  });

  it('numbers each channel on its own, from 1', async () => {
    const one = uniqueChannel('q-cursor');
    const two = uniqueChannel('q-cursor');
    await env.queues.sendBodies(one, ['a', 'b']);
    await env.queues.sendBodies(two, ['c']);
    assert.deepEqual(deliveries((await env.queues.receive({ Channel: two })).Messages), [
      'c#1/rc1',
    ]);
    assert.deepEqual(deliveries((await env.queues.receive({ Channel: one })).Messages), [
      'a#1/rc1',
      'b#2/rc1',
    ]);
  });
});

describe('dead letters', { concurrency: true }, () => {
  it('moves a message rejected MaxReceiveCount times to MaxReceiveQueue, re-routed', async () => {
    const channel = uniqueChannel('q-dead');
    const dlq = uniqueChannel('q-dead-dlq');
    const sent = await env.queues.send({
      Channel: channel,
      Body: Buffer.from('x'),
      Policy: makeQueuePolicy({ MaxReceiveCount: 2, MaxReceiveQueue: dlq, ExpirationSeconds: 100 }),
    });
    assert.deepEqual(deliveries([await receiveAndReject(channel)]), ['x#1/rc1']);
    assert.deepEqual(deliveries([await receiveAndReject(channel)]), ['x#2/rc2']);
    assert.deepEqual(await env.queues.peekBodies(channel), [], 'gone from its queue');
    const [dead] = (await env.queues.receive({ Channel: dlq, MaxNumberOfMessages: 1 })).Messages;
    assert.equal(dead.MessageID, sent.MessageID);
    assert.equal(dead.Channel, dlq);
    assert.deepEqual(dead.Attributes, {
      ...dead.Attributes,
      Sequence: '1',
      ReceiveCount: 1,
      ReRouted: true,
      ReRoutedFromQueue: channel,
      ExpirationAt: sent.ExpirationAt,
      DelayedTo: '0',
    });
    assert.deepEqual(dead.Policy, makeQueuePolicy(), 'an all-zero policy: no 1024 here');
  });

  it('discards such a message when there is no MaxReceiveQueue', async () => {
    const channel = uniqueChannel('q-dead');
    await env.queues.send({ Channel: channel, Policy: makeQueuePolicy({ MaxReceiveCount: 1 }) });
    await receiveAndReject(channel);
    const after = await env.queues.receive({ Channel: channel });
    assert.deepEqual([after.Messages.length, after.MessagesExpired], [0, 0]);
  });

  it('dead-letters on visibility expiry too, and the copy keeps its ExpirationAt', async () => {
    const channel = uniqueChannel('q-dead');
    const dlq = uniqueChannel('q-dead-dlq');
    await env.queues.send({
      Channel: channel,
      Policy: makeQueuePolicy({ MaxReceiveCount: 1, MaxReceiveQueue: dlq, ExpirationSeconds: 2 }),
    });
    const stream = env.queues.stream();
    stream.request({
      StreamRequestTypeData: S.ReceiveMessage,
      Channel: channel,
      WaitTimeSeconds: 1,
      VisibilitySeconds: 1,
    });
    assert.ok((await stream.next()).Message);
    assert.equal((await stream.next(5000)).Error, E.visibilityExpired);
    const [dead] = (
      await env.queues.receive({ Channel: dlq, MaxNumberOfMessages: 1, IsPeak: true })
    ).Messages;
    assert.deepEqual(
      [dead.Attributes?.ReRouted, dead.Attributes?.ReRoutedFromQueue],
      [true, channel],
    );
    await delay(1500);
    const expired = await env.queues.receive({ Channel: dlq });
    assert.deepEqual([expired.Messages.length, expired.MessagesExpired], [0, 1]);
  });

  it('does not count peeks as receives', async () => {
    const channel = uniqueChannel('q-dead');
    await env.queues.send({ Channel: channel, Policy: makeQueuePolicy({ MaxReceiveCount: 1 }) });
    for (let i = 0; i < 3; i += 1) {
      const peek = await env.queues.receive({
        Channel: channel,
        MaxNumberOfMessages: 1,
        IsPeak: true,
      });
      assert.deepEqual(deliveries(peek.Messages), ['b#1/rc1']);
    }
    const pull = await env.queues.receive({ Channel: channel, MaxNumberOfMessages: 1 });
    assert.deepEqual(deliveries(pull.Messages), ['b#1/rc1']);
  });
});

describe('delayed messages', { concurrency: true }, () => {
  it('arrive when due as a new sequence, with DelayedTo 0 and the MessageID kept', async () => {
    const channel = uniqueChannel('q-delay');
    const sent = await env.queues.send({
      MessageID: 'delayed-1',
      Channel: channel,
      Body: Buffer.from('delayed'),
      Policy: makeQueuePolicy({ DelaySeconds: 1, ExpirationSeconds: 60 }),
    });
    await env.queues.sendBodies(channel, ['now']);
    const early = await env.queues.receive({ Channel: channel, MaxNumberOfMessages: 1 });
    assert.deepEqual(deliveries(early.Messages), ['now#1/rc1']);
    const [message] = (
      await env.queues.receive({ Channel: channel, MaxNumberOfMessages: 1, WaitTimeSeconds: 3 })
    ).Messages;
    assert.ok(message, 'the delayed message arrives within about half a second of its time');
    assert.deepEqual(deliveries([message]), ['delayed#2/rc1']);
    assert.equal(message.MessageID, 'delayed-1');
    assert.equal(message.Attributes?.DelayedTo, '0');
    assert.equal(message.Policy?.DelaySeconds, 0);
    const timestamp = BigInt(message.Attributes!.Timestamp);
    assert.ok(timestamp >= BigInt(sent.DelayedTo), 'published when due, not before');
    // Expiry counts again from the moment it moved to the queue.
    const lifetime = BigInt(message.Attributes!.ExpirationAt) - timestamp;
    assert.ok(lifetime > 59n * SECOND_NS && lifetime <= 60n * SECOND_NS, `${lifetime} ns`);
    assert.ok(BigInt(message.Attributes!.ExpirationAt) >= BigInt(sent.ExpirationAt));
  });

  it('reach a stream that waits for them', async () => {
    const channel = uniqueChannel('q-delay');
    const stream = env.queues.stream();
    try {
      stream.request({
        StreamRequestTypeData: S.ReceiveMessage,
        Channel: channel,
        WaitTimeSeconds: 3,
      });
      await env.queues.send({
        Channel: channel,
        Body: Buffer.from('later'),
        Policy: makeQueuePolicy({ DelaySeconds: 1 }),
      });
      const got = await stream.next(5000);
      assert.equal(bodyText(got.Message), 'later');
    } finally {
      stream.cancel();
    }
  });
});
