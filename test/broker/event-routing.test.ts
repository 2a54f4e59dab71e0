// Conformance: how plain events travel (§5): fan-out, groups, wildcards,
// the delivered EventReceive, and SendEventsStream's silence on success.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SubscribeType, type KubeMQEventReceive } from '../../lib/kubemq/messages';
import { uniqueChannel } from '../support/broker';
import {
  delay,
  status,
  SUBSCRIBE_SETTLE_MS,
  within,
  type StreamReader,
  useRawClient,
} from '../support/raw-kubemq-client';

const env = useRawClient();

const NUID = /^[0-9A-Za-z]{22}$/;

function subscribe(channel: string, group = ''): StreamReader<KubeMQEventReceive> {
  return env.client.subscribeToEvents({
    SubscribeTypeData: SubscribeType.Events,
    ClientID: 'events-subscriber',
    Channel: channel,
    Group: group,
  });
}

function publish(channel: string, index: number) {
  return env.client.sendEvent({
    ClientID: 'events-publisher',
    Channel: channel,
    Metadata: `event-${index}`,
    Body: Buffer.from(`body-${index}`),
  });
}

/** Waits until `streams` together hold `count` messages, then a little longer for extras. */
async function settleTotal(streams: StreamReader<unknown>[], count: number): Promise<number> {
  const total = () => streams.reduce((sum, s) => sum + s.received.length, 0);
  const deadline = Date.now() + 5000;
  while (total() < count && Date.now() < deadline) await delay(20);
  await delay(SUBSCRIBE_SETTLE_MS);
  return total();
}

describe('events delivery (§5.1, §5.4)', () => {
  it('returns Sent with a generated EventID and delivers every field', async () => {
    const channel = uniqueChannel('event-fields');
    const first = subscribe(channel);
    const second = subscribe(channel);
    await delay(SUBSCRIBE_SETTLE_MS);
    const result = await env.client.sendEvent({
      ClientID: 'events-publisher',
      Channel: channel,
      Metadata: 'meta',
      Body: Buffer.from('body'),
      Tags: { a: '1' },
    });
    assert.equal(result.Sent, true);
    assert.equal(result.Error, '');
    assert.match(result.EventID, NUID);
    for (const stream of [first, second]) {
      const received = await stream.nth(0);
      assert.equal(received.EventID, result.EventID);
      assert.equal(received.Channel, channel);
      assert.equal(received.Metadata, 'meta');
      assert.deepEqual(Buffer.from(received.Body), Buffer.from('body'));
      assert.deepEqual(received.Tags, { a: '1' });
      assert.equal(received.Timestamp, '0');
      assert.equal(received.Sequence, '0');
      stream.cancel();
    }
  });

  it('keeps the sender EventID and reports Sent with nobody listening', async () => {
    const result = await env.client.sendEvent({
      EventID: 'my-event-id',
      ClientID: 'events-publisher',
      Channel: uniqueChannel('event-nobody'),
      Metadata: 'm',
    });
    assert.deepEqual(result, { EventID: 'my-event-id', Sent: true, Error: '' });
  });

  it('gives each event to one member per group and to every ungrouped subscriber', async () => {
    const channel = uniqueChannel('event-groups');
    const members = [subscribe(channel, 'g'), subscribe(channel, 'g'), subscribe(channel, 'g')];
    const solo = [subscribe(channel), subscribe(channel)];
    await delay(SUBSCRIBE_SETTLE_MS);
    const count = 10;
    for (let i = 0; i < count; i += 1) await publish(channel, i);
    assert.equal(await settleTotal(members, count), count, 'one member of the group per event');
    for (const stream of solo) {
      await stream.waitFor(count);
      assert.deepEqual(
        stream.received.map((e) => e.Metadata),
        Array.from({ length: count }, (_, i) => `event-${i}`),
      );
    }
    for (const stream of [...members, ...solo]) stream.cancel();
  });

  it('matches `*` (one token) and `>` (one or more tokens) subscriptions', async () => {
    const prefix = uniqueChannel('event-wild');
    const star = subscribe(`${prefix}.*`);
    const tail = subscribe(`${prefix}.>`);
    await delay(SUBSCRIBE_SETTLE_MS);
    await publish(prefix, 0);
    await publish(`${prefix}.a`, 1);
    await publish(`${prefix}.a.b`, 2);
    await tail.waitFor(2);
    await delay(SUBSCRIBE_SETTLE_MS);
    assert.deepEqual(
      star.received.map((e) => e.Channel),
      [`${prefix}.a`],
    );
    assert.deepEqual(
      tail.received.map((e) => e.Channel),
      [`${prefix}.a`, `${prefix}.a.b`],
    );
    star.cancel();
    tail.cancel();
  });

  it('stops delivering to a subscriber that cancelled', async () => {
    const channel = uniqueChannel('event-cancel');
    const leaving = subscribe(channel);
    const staying = subscribe(channel);
    await delay(SUBSCRIBE_SETTLE_MS);
    await publish(channel, 0);
    await leaving.waitFor(1);
    leaving.cancel();
    await within(leaving.ended, 5000, 'cancelled stream end');
    await delay(SUBSCRIBE_SETTLE_MS);
    await publish(channel, 1);
    await staying.waitFor(2);
    assert.equal(leaving.received.length, 1);
    staying.cancel();
  });
});

describe('SendEventsStream (§5.2)', () => {
  it('delivers plain events without answering them', async () => {
    const channel = uniqueChannel('event-stream');
    const receiver = subscribe(channel);
    await delay(SUBSCRIBE_SETTLE_MS);
    const stream = env.client.openEventsStream();
    for (let i = 0; i < 5; i += 1) {
      stream.send({ EventID: `s-${i}`, ClientID: 'streamer', Channel: channel, Metadata: `${i}` });
    }
    const received = await receiver.waitFor(5);
    assert.deepEqual(
      received.map((e) => e.EventID),
      ['s-0', 's-1', 's-2', 's-3', 's-4'],
    );
    stream.end();
    const final = await within(stream.ended, 5000, 'events stream end');
    assert.equal(final.code, status.OK);
    assert.equal(stream.received.length, 0, 'no Result for successful plain events');
    receiver.cancel();
  });
});
