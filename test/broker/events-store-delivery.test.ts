// Conformance: what an events-store subscription receives (§5.4-§5.6): the delivered
// fields, per-channel sequences, nanosecond timestamps, every start position, queue groups
// and a slow subscriber, over raw gRPC.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SubscribeType, type KubeMQEventReceive } from '../../lib/kubemq/messages';
import { uniqueChannel } from '../support/broker';
import {
  delay,
  SUBSCRIBE_SETTLE_MS,
  useRawClient,
  type StreamReader,
} from '../support/raw-kubemq-client';
import {
  EventsStoreType,
  leave,
  metadataOf,
  names,
  publishStore,
  receiveOnce,
  sequencesOf,
  settle,
  subscribeStore,
  uniqueClientId,
} from './events-store-helpers';

const env = useRawClient();

const NS_PER_MS = 1_000_000n;

/** Receives what a fresh ClientID gets from `channel` with this start position. */
function startAt(
  channel: string,
  type: number,
  value = '0',
  expected = 0,
  prefix = 'start',
): Promise<string[]> {
  return receiveOnce(
    env.client,
    {
      ClientID: uniqueClientId(prefix),
      Channel: channel,
      EventsStoreTypeData: type,
      EventsStoreTypeValue: value,
    },
    expected,
  );
}

describe('the delivered EventReceive (§5.4)', () => {
  it('carries EventID, Channel, Metadata, Body and Tags as sent, a sequence from 1 and a ns timestamp', async () => {
    const channel = uniqueChannel('store-fields');
    const before = BigInt(Date.now()) * NS_PER_MS;
    const sent = [
      await env.client.sendEvent({
        ClientID: 'store-publisher',
        Channel: channel,
        Metadata: 'meta',
        Body: Buffer.from([0, 1, 2, 255]),
        Tags: { a: '1', b: 'two' },
        Store: true,
      }),
      await env.client.sendEvent({
        EventID: 'own-id',
        ClientID: 'store-publisher',
        Channel: channel,
        Body: Buffer.from('body only'),
        Store: true,
      }),
    ];
    const after = BigInt(Date.now()) * NS_PER_MS;
    const reader = subscribeStore(env.client, {
      ClientID: uniqueClientId('store-fields'),
      Channel: channel,
      EventsStoreTypeData: EventsStoreType.StartFromFirst,
    });
    const [first, second] = await reader.waitFor(2);
    assert.equal(first.EventID, sent[0].EventID);
    assert.equal(first.Channel, channel);
    assert.equal(first.Metadata, 'meta');
    assert.deepEqual(Buffer.from(first.Body), Buffer.from([0, 1, 2, 255]));
    assert.deepEqual({ ...first.Tags }, { a: '1', b: 'two' });
    assert.equal(first.Sequence, '1');
    assert.equal(second.EventID, 'own-id');
    assert.equal(second.Metadata, '');
    assert.equal(Buffer.from(second.Body).toString(), 'body only');
    assert.deepEqual({ ...second.Tags }, {});
    assert.equal(second.Sequence, '2');
    // int64 nanoseconds, exact (decimal strings, no JS number rounding), in store order.
    for (const event of [first, second]) {
      assert.match(event.Timestamp, /^[1-9][0-9]{18}$/);
      const at = BigInt(event.Timestamp);
      assert.ok(
        at >= before - 1000n * NS_PER_MS && at <= after + 1000n * NS_PER_MS,
        event.Timestamp,
      );
    }
    assert.ok(BigInt(second.Timestamp) > BigInt(first.Timestamp));
    await leave(reader);
  });

  it('numbers each channel on its own, with no gaps, and keeps plain events apart', async () => {
    const a = uniqueChannel('store-seq-a');
    const b = uniqueChannel('store-seq-b');
    const plainListener = env.client.subscribeToEvents({
      SubscribeTypeData: SubscribeType.Events,
      ClientID: 'plain-listener',
      Channel: a,
    });
    const storeListener = subscribeStore(env.client, {
      ClientID: uniqueClientId('store-seq'),
      Channel: a,
      EventsStoreTypeData: EventsStoreType.StartNewOnly,
    });
    await settle();
    await publishStore(env.client, a, 3);
    await publishStore(env.client, b, 2);
    await env.client.sendEvent({ ClientID: 'p', Channel: a, Metadata: 'plain' });
    await publishStore(env.client, a, 1, 3);
    await settle(storeListener, 4);
    assert.deepEqual(sequencesOf(storeListener), [1, 2, 3, 4]);
    assert.deepEqual(metadataOf(storeListener), names(0, 4), 'no plain event among them');
    assert.deepEqual(
      plainListener.received.map((e) => e.Metadata),
      ['plain'],
      'no store event reaches a plain subscriber',
    );
    assert.deepEqual(await startAt(b, EventsStoreType.StartFromFirst, '0', 2), names(0, 2));
    plainListener.cancel();
    await leave(storeListener);
  });
});

describe('start positions (§5.6)', () => {
  it('StartNewOnly: only what is stored after subscribing', async () => {
    const channel = uniqueChannel('store-new');
    await publishStore(env.client, channel, 2);
    const reader = subscribeStore(env.client, {
      ClientID: uniqueClientId('store-new'),
      Channel: channel,
      EventsStoreTypeData: EventsStoreType.StartNewOnly,
    });
    await settle();
    await publishStore(env.client, channel, 2, 2);
    await settle(reader, 2);
    assert.deepEqual(metadataOf(reader), ['m2', 'm3']);
    assert.deepEqual(sequencesOf(reader), [3, 4]);
    await leave(reader);
  });

  it('StartFromFirst: everything stored, then live', async () => {
    const channel = uniqueChannel('store-first');
    await publishStore(env.client, channel, 3);
    const reader = subscribeStore(env.client, {
      ClientID: uniqueClientId('store-first'),
      Channel: channel,
      EventsStoreTypeData: EventsStoreType.StartFromFirst,
    });
    await settle(reader, 3);
    await publishStore(env.client, channel, 1, 3);
    await settle(reader, 4);
    assert.deepEqual(metadataOf(reader), names(0, 4));
    await leave(reader);
  });

  it('StartFromLast: the last stored event, then live; on an empty channel only live ones', async () => {
    const channel = uniqueChannel('store-last');
    await publishStore(env.client, channel, 3);
    assert.deepEqual(await startAt(channel, EventsStoreType.StartFromLast, '0', 1), ['m2']);
    const empty = uniqueChannel('store-last-empty');
    const reader = subscribeStore(env.client, {
      ClientID: uniqueClientId('store-last-empty'),
      Channel: empty,
      EventsStoreTypeData: EventsStoreType.StartFromLast,
    });
    await settle();
    assert.equal(reader.received.length, 0);
    await publishStore(env.client, empty, 1);
    await settle(reader, 1);
    assert.deepEqual(sequencesOf(reader), [1]);
    await leave(reader);
  });

  it('StartAtSequence: from that sequence; past the last one, only new events', async () => {
    const channel = uniqueChannel('store-at-seq');
    await publishStore(env.client, channel, 5);
    assert.deepEqual(await startAt(channel, EventsStoreType.StartAtSequence, '3', 3), names(2, 5));
    assert.deepEqual(await startAt(channel, EventsStoreType.StartAtSequence, '1', 5), names(0, 5));
    assert.deepEqual(await startAt(channel, EventsStoreType.StartAtSequence, '5', 1), ['m4']);
    for (const [i, beyond] of ['6', '1000', '9223372036854775807'].entries()) {
      const reader = subscribeStore(env.client, {
        ClientID: uniqueClientId('store-at-seq-beyond'),
        Channel: channel,
        EventsStoreTypeData: EventsStoreType.StartAtSequence,
        EventsStoreTypeValue: beyond,
      });
      await settle();
      assert.equal(reader.received.length, 0, `StartAtSequence ${beyond}: nothing stored yet`);
      await publishStore(env.client, channel, 1, 5 + i);
      await settle(reader, 1);
      assert.deepEqual(metadataOf(reader), [`m${5 + i}`], `StartAtSequence ${beyond}: new only`);
      await leave(reader);
    }
  });

  it('StartAtTime (Unix ns): the first event stored strictly after that time', async () => {
    const channel = uniqueChannel('store-at-time');
    await publishStore(env.client, channel, 2);
    // Gaps far wider than the moment the real server takes to turn the time into a delta.
    await delay(600);
    await publishStore(env.client, channel, 2, 2);
    await delay(600);
    await publishStore(env.client, channel, 1, 4);
    const all = subscribeStore(env.client, {
      ClientID: uniqueClientId('store-at-time-all'),
      Channel: channel,
      EventsStoreTypeData: EventsStoreType.StartFromFirst,
    });
    const stamps = (await all.waitFor(5)).map((e) => BigInt(e.Timestamp));
    await leave(all);
    const at = (value: bigint, expected: number) =>
      startAt(channel, EventsStoreType.StartAtTime, value.toString(), expected, 'store-at-time');
    assert.deepEqual(await at(stamps[2], 2), names(3, 5), 'equal to an event time: not that one');
    assert.deepEqual(await at(stamps[2] - 300n * NS_PER_MS, 3), names(2, 5));
    assert.deepEqual(await at(stamps[4] - 300n * NS_PER_MS, 1), ['m4']);
    assert.deepEqual(await at(1n, 5), names(0, 5), 'long ago: everything');
    const future = (BigInt(Date.now()) + 60_000n) * NS_PER_MS;
    assert.deepEqual(await at(future, 0), [], 'in the future: only new events');
  });

  it('StartAtTimeDelta (seconds): what was stored within that many seconds', async () => {
    const channel = uniqueChannel('store-delta');
    await publishStore(env.client, channel, 2);
    await delay(2000);
    await publishStore(env.client, channel, 1, 2);
    const delta = (seconds: string, expected: number) =>
      startAt(channel, EventsStoreType.StartAtTimeDelta, seconds, expected, 'store-delta');
    assert.deepEqual(await delta('1', 1), ['m2']);
    assert.deepEqual(await delta('3600', 3), names(0, 3));
  });
});

describe('groups and fan-out (§5.5)', () => {
  /** Waits until `readers` together hold `count` events, then a moment more. */
  async function totalOf(readers: StreamReader<KubeMQEventReceive>[], count: number) {
    const total = () => readers.reduce((sum, r) => sum + r.received.length, 0);
    const deadline = Date.now() + 5000;
    while (total() < count && Date.now() < deadline) await delay(20);
    await delay(SUBSCRIBE_SETTLE_MS);
    return readers.flatMap((r) => sequencesOf(r)).sort((x, y) => x - y);
  }

  it('one member of a group gets each event; each ungrouped subscriber gets all', async () => {
    const channel = uniqueChannel('store-groups');
    const member = (i: number, group: string) =>
      subscribeStore(env.client, {
        ClientID: uniqueClientId(`store-member-${i}`),
        Channel: channel,
        Group: group,
        EventsStoreTypeData: EventsStoreType.StartNewOnly,
      });
    // Each group is created by one member first (concurrent creation races on the real server).
    const groupA = [member(1, 'a')];
    const groupB = [member(4, 'b')];
    await settle();
    groupA.push(member(2, 'a'), member(3, 'a'));
    groupB.push(member(5, 'b'));
    const solo = [member(6, ''), member(7, '')];
    await settle();
    const count = 12;
    await publishStore(env.client, channel, count);
    const everySequence = Array.from({ length: count }, (_, i) => i + 1);
    assert.deepEqual(await totalOf(groupA, count), everySequence, 'group a: each event once');
    assert.deepEqual(await totalOf(groupB, count), everySequence, 'group b: each event once');
    for (const reader of [...groupA, ...groupB]) {
      const own = sequencesOf(reader);
      assert.deepEqual(
        own,
        [...own].sort((x, y) => x - y),
        'each member gets its share in order',
      );
    }
    for (const reader of solo) {
      await reader.waitFor(count);
      assert.deepEqual(sequencesOf(reader), everySequence);
    }
    for (const reader of [...groupA, ...groupB, ...solo]) await leave(reader);
  });

  it('a group replays once: a member joining later shares the position, not the replay', async () => {
    const channel = uniqueChannel('store-group-replay');
    await publishStore(env.client, channel, 6);
    const join = (i: number) =>
      subscribeStore(env.client, {
        ClientID: uniqueClientId(`store-replay-${i}`),
        Channel: channel,
        Group: 'replay',
        EventsStoreTypeData: EventsStoreType.StartFromFirst,
      });
    // One after the other: two members creating a group at the same moment race on the
    // real server (both may replay part of the store).
    const first = join(1);
    await first.waitFor(6);
    await settle();
    const second = join(2);
    await settle();
    assert.equal(second.received.length, 0, 'no replay for the second member');
    await publishStore(env.client, channel, 6, 6);
    assert.deepEqual(
      await totalOf([first, second], 12),
      Array.from({ length: 12 }, (_, i) => i + 1),
    );
    for (const reader of [first, second]) await leave(reader);
  });
});

describe('a slow subscriber', () => {
  it('gets a large replay in order, at its own pace, while the broker serves others', async () => {
    const channel = uniqueChannel('store-slow');
    const count = 400;
    const body = Buffer.alloc(16 * 1024, 'x');
    const stream = env.client.openEventsStream();
    for (let i = 0; i < count; i += 1) {
      stream.send({
        ClientID: 'bulk',
        Channel: channel,
        Metadata: `m${i}`,
        Body: body,
        Store: true,
      });
    }
    await stream.waitFor(count, 20_000);
    stream.end();
    const reader = subscribeStore(env.client, {
      ClientID: uniqueClientId('store-slow'),
      Channel: channel,
      EventsStoreTypeData: EventsStoreType.StartFromFirst,
    });
    reader.pause();
    // Kept short: the real server drops events for a subscriber stuck for more than 2 s.
    await delay(500);
    const ping = await env.client.ping();
    assert.equal(typeof ping.Host, 'string', 'the broker answers while the replay waits');
    reader.resume();
    await reader.waitFor(count, 20_000);
    assert.deepEqual(metadataOf(reader), names(0, count));
    await leave(reader);
  });
});
