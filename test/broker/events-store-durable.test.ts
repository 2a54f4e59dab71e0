// Conformance: events-store subscriptions are durable (§5.6). The real server names every
// one "<channel>-<group>": without a group, the same ClientID on the same channel resumes
// where it stopped whatever start it asks for; a group's position is shared by all its
// members and outlives them; all of it survives a broker restart.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { uniqueChannel } from '../support/broker';
import { NEEDS_OWN_BROKER, startOwnBroker } from '../support/own-broker';
import { delay, RawKubeMQClient, useRawClient } from '../support/raw-kubemq-client';
import {
  EventsStoreType,
  leave,
  metadataOf,
  names,
  publishStore,
  publishStored,
  receiveOnce,
  subscribeStore,
  uniqueClientId,
} from './events-store-helpers';

const env = useRawClient();

const { StartNewOnly, StartFromFirst, StartFromLast, StartAtSequence } = EventsStoreType;

describe('durable resume without a group (§5.6)', () => {
  it('the same ClientID resumes after the last event it was given; the start asked for is ignored', async () => {
    const channel = uniqueChannel('durable-resume');
    const clientId = uniqueClientId('durable-resume');
    const again = (type: number, value = '0', expected = 0) =>
      receiveOnce(
        env.client,
        {
          ClientID: clientId,
          Channel: channel,
          EventsStoreTypeData: type,
          EventsStoreTypeValue: value,
        },
        expected,
      );
    await publishStore(env.client, channel, 3);
    assert.deepEqual(await again(StartFromFirst, '0', 3), names(0, 3));
    await publishStore(env.client, channel, 2, 3);
    assert.deepEqual(await again(StartFromFirst, '0', 2), names(3, 5), 'no replay from the first');
    await publishStore(env.client, channel, 1, 5);
    assert.deepEqual(await again(StartAtSequence, '1', 1), ['m5'], 'no replay from sequence 1');
    assert.deepEqual(await again(StartFromLast), [], 'nothing new: not even the last one');
    await publishStore(env.client, channel, 1, 6);
    assert.deepEqual(
      await again(StartNewOnly, '0', 1),
      ['m6'],
      'new-only still gets what it missed',
    );
  });

  it('a first StartNewOnly subscription gets, on its return, what was stored while it was away', async () => {
    const channel = uniqueChannel('durable-new-only');
    const clientId = uniqueClientId('durable-new-only');
    await publishStored(env.client, channel, 2);
    const subscribe = (type: number, expected = 0) =>
      receiveOnce(
        env.client,
        { ClientID: clientId, Channel: channel, EventsStoreTypeData: type },
        expected,
      );
    assert.deepEqual(await subscribe(StartNewOnly), []);
    await publishStore(env.client, channel, 2, 2);
    assert.deepEqual(await subscribe(StartFromFirst, 2), names(2, 4));
  });

  it('another ClientID, another channel, or a group starts afresh', async () => {
    const channel = uniqueChannel('durable-fresh');
    const other = uniqueChannel('durable-fresh-other');
    const clientId = uniqueClientId('durable-fresh');
    await publishStore(env.client, channel, 3);
    await publishStore(env.client, other, 2);
    const first = { Channel: channel, EventsStoreTypeData: StartFromFirst };
    assert.deepEqual(
      await receiveOnce(env.client, { ...first, ClientID: clientId }, 3),
      names(0, 3),
    );
    assert.deepEqual(
      await receiveOnce(env.client, { ...first, ClientID: uniqueClientId('durable-other-id') }, 3),
      names(0, 3),
      'a different ClientID',
    );
    assert.deepEqual(
      await receiveOnce(env.client, { ...first, Channel: other, ClientID: clientId }, 2),
      names(0, 2),
      'the same ClientID on another channel',
    );
    assert.deepEqual(
      await receiveOnce(env.client, { ...first, ClientID: clientId, Group: 'g' }, 3),
      names(0, 3),
      'the same ClientID in a group',
    );
    await publishStore(env.client, channel, 1, 3);
    assert.deepEqual(
      await receiveOnce(env.client, { ...first, ClientID: clientId }, 1),
      ['m3'],
      'its own ungrouped position is still there',
    );
  });

  it('resumes without repeating anything after hanging up in the middle of a replay', async () => {
    const channel = uniqueChannel('durable-midway');
    const clientId = uniqueClientId('durable-midway');
    const count = 300;
    const stream = env.client.openEventsStream();
    for (let i = 0; i < count; i += 1) {
      stream.send({ ClientID: 'bulk', Channel: channel, Metadata: `m${i}`, Store: true });
    }
    await stream.waitFor(count, 20_000);
    stream.end();
    const fields = { ClientID: clientId, Channel: channel, EventsStoreTypeData: StartFromFirst };
    const first = subscribeStore(env.client, fields);
    await first.waitFor(10);
    await leave(first);
    const seen = metadataOf(first);
    const second = subscribeStore(env.client, fields);
    await delay(500);
    const rest = metadataOf(second);
    await leave(second);
    assert.deepEqual(seen, names(0, seen.length), 'the first subscription got a prefix, in order');
    const lastSeen = seen.length - 1;
    if (rest.length > 0) {
      // The real server counts events in its 100-event buffer as delivered: a gap is
      // possible, a repeat or a step back is not.
      const resumedAt = Number(rest[0].slice(1));
      assert.ok(resumedAt > lastSeen, `resumed at m${resumedAt} after m${lastSeen}`);
      assert.deepEqual(rest, names(resumedAt, count), 'in order to the end');
    }
  });
});

describe('durable queue groups (§5.6)', () => {
  it('members of any ClientID share one position that outlives them; only the first start counts', async () => {
    const channel = uniqueChannel('durable-group');
    const member = (name: string, type: number, expected = 0) =>
      receiveOnce(
        env.client,
        { ClientID: uniqueClientId(name), Channel: channel, Group: 'g', EventsStoreTypeData: type },
        expected,
      );
    await publishStore(env.client, channel, 3);
    assert.deepEqual(await member('group-first', StartFromFirst, 3), names(0, 3));
    await publishStore(env.client, channel, 2, 3);
    assert.deepEqual(
      await member('group-second', StartNewOnly, 2),
      names(3, 5),
      'stored while the group had no member: the next member gets them',
    );
    assert.deepEqual(
      await member('group-third', StartFromFirst),
      [],
      'no replay for later joiners',
    );
    await publishStore(env.client, channel, 1, 5);
    assert.deepEqual(
      await receiveOnce(
        env.client,
        {
          ClientID: uniqueClientId('other-group'),
          Channel: channel,
          Group: 'h',
          EventsStoreTypeData: StartAtSequence,
          EventsStoreTypeValue: '2',
        },
        5,
      ),
      names(1, 6),
      'another group has its own position',
    );
  });
});

describe(
  'durable state across a broker restart (in-process store / real --dir)',
  { skip: NEEDS_OWN_BROKER },
  () => {
    it(
      'keeps stored events, ungrouped positions and group positions',
      { timeout: 60_000 },
      async () => {
        const broker = await startOwnBroker();
        let client = new RawKubeMQClient(broker.address);
        try {
          const channel = uniqueChannel('durable-restart');
          const solo = uniqueClientId('restart-solo');
          const once = (fields: Record<string, unknown>, expected = 0) =>
            receiveOnce(client, { Channel: channel, ...fields }, expected);
          await publishStored(client, channel, 3);
          assert.deepEqual(
            await once({ ClientID: solo, EventsStoreTypeData: StartFromFirst }, 3),
            names(0, 3),
          );
          assert.deepEqual(
            await once(
              {
                ClientID: uniqueClientId('restart-member'),
                Group: 'g',
                EventsStoreTypeData: StartFromLast,
              },
              1,
            ),
            ['m2'],
          );
          await publishStore(client, channel, 2, 3);
          // The real server writes its store asynchronously: give it a moment before the crash.
          await delay(1000);
          client.close();
          await broker.kill();
          await broker.restart();
          client = new RawKubeMQClient(broker.address);
          assert.deepEqual(
            await once({ ClientID: solo, EventsStoreTypeData: StartFromFirst }, 2),
            names(3, 5),
            'the ClientID resumes where it was',
          );
          assert.deepEqual(
            await once(
              {
                ClientID: uniqueClientId('restart-member-2'),
                Group: 'g',
                EventsStoreTypeData: StartFromFirst,
              },
              2,
            ),
            names(3, 5),
            'the group resumes where it was',
          );
          assert.deepEqual(
            await once(
              { ClientID: uniqueClientId('restart-new'), EventsStoreTypeData: StartFromFirst },
              5,
            ),
            names(0, 5),
            'every stored event is still there',
          );
          await publishStored(client, channel, 1, 5);
          const latest = subscribeStore(client, {
            ClientID: uniqueClientId('restart-last'),
            Channel: channel,
            EventsStoreTypeData: StartFromLast,
          });
          const [event] = await latest.waitFor(1);
          assert.equal(event.Metadata, 'm5');
          assert.equal(event.Sequence, '6', 'sequences carry on after the restart');
          await leave(latest);
        } finally {
          client.close();
          await broker.stop();
        }
      },
    );
  },
);
