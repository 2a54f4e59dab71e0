// Conformance: what an events-store subscription receives (§5.4, §5.6): the delivered
// fields, per-channel sequences, nanosecond timestamps and every start position, over raw gRPC.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SubscribeType } from '../../lib/kubemq/messages';
import { uniqueChannel } from '../support/broker';
import { delay, useRawClient } from '../support/raw-kubemq-client';
import {
  EventsStoreType,
  leave,
  metadataOf,
  names,
  publishStore,
  publishStored,
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
    await publishStored(env.client, channel, 2);
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
    await publishStored(env.client, channel, 3);
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
    await publishStored(env.client, channel, 5);
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
