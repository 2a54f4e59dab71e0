// Conformance: events-store queue groups and fan-out (§5.5), and a subscriber slower than
// the replay it asked for, over raw gRPC.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeMQEventReceive } from '../../lib/kubemq/messages';
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
  sequencesOf,
  settle,
  subscribeStore,
  uniqueClientId,
} from './events-store-helpers';

const env = useRawClient();

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
