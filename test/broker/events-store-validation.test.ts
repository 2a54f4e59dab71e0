// Conformance: events-store sends (§5.1, §5.2) and the checks of an EventsStore
// SubscribeToEvents (§5.3) in the real server's order and texts, over raw gRPC.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KubeMQErrorText as E } from '../../lib/kubemq/errors';
import { SubscribeType } from '../../lib/kubemq/messages';
import { uniqueChannel } from '../support/broker';
import {
  delay,
  expectCallError,
  expectStreamError,
  status,
  SUBSCRIBE_SETTLE_MS,
  useRawClient,
  within,
} from '../support/raw-kubemq-client';
import {
  EventsStoreType,
  leave,
  names,
  publishStore,
  publishStored,
  receiveOnce,
  subscribeStore,
  uniqueClientId,
} from './events-store-helpers';

const env = useRawClient();

const NUID = /^[0-9A-Za-z]{22}$/;

describe('SendEvent with Store: true (§5.1)', () => {
  it('answers Sent with a generated NUID, or the EventID sent, with nobody subscribed', async () => {
    const channel = uniqueChannel('store-send');
    const generated = await env.client.sendEvent({
      ClientID: 'store-sender',
      Channel: channel,
      Metadata: 'm',
      Store: true,
    });
    assert.equal(generated.Sent, true);
    assert.equal(generated.Error, '');
    assert.match(generated.EventID, NUID);
    const kept = await env.client.sendEvent({
      EventID: 'my-store-event',
      ClientID: 'store-sender',
      Channel: channel,
      Body: Buffer.from('b'),
      Store: true,
    });
    assert.deepEqual(kept, { EventID: 'my-store-event', Sent: true, Error: '' });
  });

  it('checks like plain events: 101, 102, 119, 108, 107, 110, with INTERNAL', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ ClientID: '', Channel: '', Metadata: '' }, E.emptyClientId],
      [{ Channel: '', Metadata: '' }, E.emptyChannel],
      [{ Channel: 'a b.' }, E.channelEndsWithDot],
      [{ Channel: 'a *' }, E.whitespaceChannel],
      [{ Channel: 'store.>', Metadata: '' }, E.wildcardChannel],
      [{ Channel: uniqueChannel('store-empty'), Metadata: '' }, E.emptyMessage],
    ];
    for (const [fields, text] of cases) {
      await expectCallError(
        env.client.sendEvent({ ClientID: 'store-sender', Metadata: 'm', Store: true, ...fields }),
        status.INTERNAL,
        text,
      );
    }
  });
});

describe('SendEventsStream with store events (§5.2)', () => {
  it('answers every store event in order, a plain event only on error, and ends OK', async () => {
    const channel = uniqueChannel('store-stream');
    const stream = env.client.openEventsStream();
    const base = { ClientID: 'streamer', Channel: channel };
    stream.send({ ...base, EventID: 'plain-ok', Metadata: 'p' });
    stream.send({ ...base, EventID: 's-1', Metadata: 'm0', Store: true });
    stream.send({ ...base, EventID: '', Metadata: 'm1', Store: true });
    stream.send({ ...base, EventID: 's-bad', ClientID: '', Metadata: 'x', Store: true });
    stream.send({ ...base, EventID: 'plain-bad', Channel: 'a.*', Metadata: 'x' });
    stream.send({ ...base, EventID: 's-empty', Store: true });
    stream.send({ ...base, EventID: 's-3', Metadata: 'm2', Store: true });
    const results = await stream.waitFor(6);
    assert.deepEqual(results[0], { EventID: 's-1', Sent: true, Error: '' });
    assert.match(results[1].EventID, NUID);
    assert.deepEqual({ ...results[1], EventID: '' }, { EventID: '', Sent: true, Error: '' });
    assert.deepEqual(results.slice(2), [
      { EventID: 's-bad', Sent: false, Error: E.emptyClientId },
      { EventID: 'plain-bad', Sent: false, Error: E.wildcardChannel },
      { EventID: 's-empty', Sent: false, Error: E.emptyMessage },
      { EventID: 's-3', Sent: true, Error: '' },
    ]);
    stream.end();
    assert.equal((await within(stream.ended, 5000, 'stream end')).code, status.OK);
    assert.equal(stream.received.length, 6, 'nothing for the valid plain event');
    const stored = await receiveOnce(
      env.client,
      {
        ClientID: uniqueClientId('stream-reader'),
        Channel: channel,
        EventsStoreTypeData: EventsStoreType.StartFromFirst,
      },
      3,
    );
    assert.deepEqual(stored, names(0, 3), 'only the accepted store events are stored');
  });
});

describe('SubscribeToEvents, EventsStore: checks in order (§5.3)', () => {
  const valid = (fields: Record<string, unknown> = {}) => ({
    ClientID: uniqueClientId('store-check'),
    Channel: uniqueChannel('store-check'),
    EventsStoreTypeData: EventsStoreType.StartNewOnly,
    ...fields,
  });

  it('ClientID: empty (101), then STAN characters, before any channel check', async () => {
    await expectStreamError(
      subscribeStore(env.client, valid({ ClientID: '', Channel: '', EventsStoreTypeData: 0 })),
      status.INTERNAL,
      E.emptyClientId,
    );
    for (const clientId of ['has.dot', 'has space', 'has:colon', '{uuid}', 'ünï']) {
      await expectStreamError(
        subscribeStore(env.client, valid({ ClientID: clientId, Channel: '' })),
        status.INTERNAL,
        E.invalidStanClientId,
      );
    }
  });

  it('a second live subscription with the same ClientID: "already registered", before channel checks', async () => {
    const clientId = uniqueClientId('store-twice');
    const first = subscribeStore(env.client, valid({ ClientID: clientId }));
    await delay(SUBSCRIBE_SETTLE_MS);
    const seconds: Record<string, unknown>[] = [
      { Channel: uniqueChannel('store-other') },
      { Channel: '' },
      { Channel: 'a b', EventsStoreTypeData: 0 },
      { Group: 'g', EventsStoreTypeData: EventsStoreType.StartFromFirst },
    ];
    for (const fields of seconds) {
      await expectStreamError(
        subscribeStore(env.client, valid({ ClientID: clientId, ...fields })),
        status.INTERNAL,
        E.stanClientIdRegistered,
      );
    }
    assert.equal(first.isEnded, false, 'the first subscription is untouched');
    // Plain events subscriptions share ClientIDs freely, also with a live events-store one.
    const plain = env.client.subscribeToEvents({
      SubscribeTypeData: SubscribeType.Events,
      ClientID: clientId,
      Channel: uniqueChannel('plain'),
    });
    await delay(SUBSCRIBE_SETTLE_MS);
    assert.equal(plain.isEnded, false);
    plain.cancel();
    await leave(first);
    const again = subscribeStore(env.client, valid({ ClientID: clientId }));
    await delay(SUBSCRIBE_SETTLE_MS);
    assert.equal(again.isEnded, false, 'the ClientID is free once the first one hung up');
    await leave(again);
  });

  it('a refused subscription does not hold its ClientID', async () => {
    const clientId = uniqueClientId('store-refused');
    await expectStreamError(
      subscribeStore(env.client, valid({ ClientID: clientId, Channel: '' })),
      status.INTERNAL,
      E.emptyChannel,
    );
    await expectStreamError(
      subscribeStore(env.client, valid({ ClientID: clientId, Channel: '.leading-dot' })),
      status.INTERNAL,
      E.stanInvalidSubject,
    );
    const ok = subscribeStore(env.client, valid({ ClientID: clientId }));
    await delay(SUBSCRIBE_SETTLE_MS);
    assert.equal(ok.isEnded, false);
    await leave(ok);
  });

  it('channel: 102, 119, 108, 107 (no wildcards for the events store)', async () => {
    const channel = uniqueChannel('store-check-channel');
    const cases: [Record<string, unknown>, string][] = [
      [{ Channel: '', EventsStoreTypeData: 0 }, E.emptyChannel],
      [{ Channel: 'a b.', EventsStoreTypeData: 0 }, E.channelEndsWithDot],
      [{ Channel: 'a b*', EventsStoreTypeData: 0 }, E.whitespaceChannel],
      [{ Channel: `${channel}.*`, EventsStoreTypeData: 0 }, E.wildcardChannel],
      [{ Channel: `${channel}.>` }, E.wildcardChannel],
      [{ Channel: `${channel}>x` }, E.wildcardChannel],
    ];
    for (const [fields, text] of cases) {
      await expectStreamError(subscribeStore(env.client, valid(fields)), status.INTERNAL, text);
    }
  });

  it('start type and value: 111, then 112, 113, 114 for a value of 0 or below', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ EventsStoreTypeData: 0, EventsStoreTypeValue: '5' }, E.undefinedEventsStoreType],
      [{ EventsStoreTypeData: EventsStoreType.StartAtSequence }, E.invalidStartAtSequence],
      [
        { EventsStoreTypeData: EventsStoreType.StartAtSequence, EventsStoreTypeValue: '-3' },
        E.invalidStartAtSequence,
      ],
      [{ EventsStoreTypeData: EventsStoreType.StartAtTime }, E.invalidStartAtTime],
      [
        { EventsStoreTypeData: EventsStoreType.StartAtTime, EventsStoreTypeValue: '-1' },
        E.invalidStartAtTime,
      ],
      [{ EventsStoreTypeData: EventsStoreType.StartAtTimeDelta }, E.invalidStartAtTimeDelta],
      [
        {
          EventsStoreTypeData: EventsStoreType.StartAtTimeDelta,
          EventsStoreTypeValue: '-9223372036854775808',
        },
        E.invalidStartAtTimeDelta,
      ],
    ];
    for (const [fields, text] of cases) {
      await expectStreamError(subscribeStore(env.client, valid(fields)), status.INTERNAL, text);
    }
  });

  it("then what STAN refuses: a channel it cannot name, a ':' in a group's durable name", async () => {
    const channel = uniqueChannel('store-stan');
    const cases: [Record<string, unknown>, string][] = [
      // KubeMQ's own checks come first.
      [{ Channel: `${channel}..x`, EventsStoreTypeData: 0 }, E.undefinedEventsStoreType],
      [{ Channel: `${channel}..x` }, E.stanInvalidSubject],
      [{ Channel: `.${channel}` }, E.stanInvalidSubject],
      [{ Channel: `${channel}/x` }, E.stanInvalidSubject],
      [{ Channel: `${channel}..x`, Group: 'g:h' }, E.stanInvalidSubject],
      [{ Channel: `${channel}:x`, Group: 'g' }, E.stanDurableQueueName],
      [{ Channel: channel, Group: 'g:h' }, E.stanDurableQueueName],
    ];
    for (const [fields, text] of cases) {
      await expectStreamError(subscribeStore(env.client, valid(fields)), status.INTERNAL, text);
    }
  });

  it("accepts ':' in the channel without a group, and any group name without ':'", async () => {
    const channel = uniqueChannel('store-colon');
    for (const [suffix, group] of [
      [':x', ''],
      ['', 'a b'],
      ['', 'a.b'],
      ['', 'g*>'],
    ]) {
      await publishStored(env.client, `${channel}${suffix}`, 1);
      const got = await receiveOnce(
        env.client,
        valid({
          Channel: `${channel}${suffix}`,
          Group: group,
          EventsStoreTypeData: EventsStoreType.StartFromLast,
        }),
        1,
      );
      assert.deepEqual(got, ['m0'], `channel suffix "${suffix}", group "${group}"`);
    }
  });

  it('start types outside the enum act like StartNewOnly', async () => {
    const channel = uniqueChannel('store-odd-type');
    await publishStored(env.client, channel, 2);
    for (const [i, type] of [7, 100, -1].entries()) {
      const reader = subscribeStore(
        env.client,
        valid({ Channel: channel, EventsStoreTypeData: type, EventsStoreTypeValue: '1' }),
      );
      await delay(SUBSCRIBE_SETTLE_MS);
      await publishStore(env.client, channel, 1, 2 + i);
      await reader.waitFor(1);
      await delay(SUBSCRIBE_SETTLE_MS);
      assert.deepEqual(
        reader.received.map((e) => e.Metadata),
        [`m${2 + i}`],
        `type ${type}`,
      );
      await leave(reader);
    }
  });
});
