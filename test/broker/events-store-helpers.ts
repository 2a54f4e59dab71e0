// Shared by the events-store conformance tests: subscribe, publish, read what arrived.
import assert from 'node:assert/strict';
import {
  EventsStoreType,
  SubscribeType,
  type KubeMQEventReceive,
  type KubeMQResult,
  type KubeMQSubscribe,
} from '../../lib/kubemq/messages';
import { uniqueChannel } from '../support/broker';
import {
  delay,
  SUBSCRIBE_SETTLE_MS,
  within,
  type RawKubeMQClient,
  type StreamReader,
} from '../support/raw-kubemq-client';

export { EventsStoreType };

/**
 * A ClientID no other test uses: the real server keeps a ClientID's durable
 * positions for 24 h, and allows one live events-store subscription per
 * ClientID. (uniqueChannel's names pass STAN's `^[a-zA-Z0-9_-]+$`.)
 */
export const uniqueClientId = uniqueChannel;

/** Opens an EventsStore subscription (SubscribeTypeData 2). */
export function subscribeStore(
  client: RawKubeMQClient,
  fields: Partial<KubeMQSubscribe>,
): StreamReader<KubeMQEventReceive> {
  return client.subscribeToEvents({ SubscribeTypeData: SubscribeType.EventsStore, ...fields });
}

/** Sends `count` store events `m<from>`, `m<from+1>`, ... one after the other. */
export async function publishStore(
  client: RawKubeMQClient,
  channel: string,
  count: number,
  from = 0,
): Promise<KubeMQResult[]> {
  const results: KubeMQResult[] = [];
  for (let i = from; i < from + count; i += 1) {
    results.push(
      await client.sendEvent({
        ClientID: 'store-publisher',
        Channel: channel,
        Metadata: `m${i}`,
        Store: true,
      }),
    );
  }
  return results;
}

/**
 * Sends like publishStore, then waits until the last event is stored. The
 * real server answers Sent before its store has the event (an async
 * publish): a subscription whose start depends on what is stored (new
 * only, last, a sequence past the end) must wait for that.
 */
export async function publishStored(
  client: RawKubeMQClient,
  channel: string,
  count: number,
  from = 0,
): Promise<void> {
  await publishStore(client, channel, count, from);
  const last = `m${from + count - 1}`;
  const probe = subscribeStore(client, {
    ClientID: uniqueClientId('stored-probe'),
    Channel: channel,
    EventsStoreTypeData: EventsStoreType.StartFromLast,
  });
  try {
    const deadline = Date.now() + 5000;
    while (!probe.received.some((event) => event.Metadata === last)) {
      assert.ok(Date.now() < deadline, `${last} stored on ${channel} within 5 s`);
      await delay(10);
    }
  } finally {
    probe.cancel();
    await within(probe.ended, 5000, 'probe end');
  }
}

/** The Metadata of everything a subscription received, in order. */
export function metadataOf(reader: StreamReader<KubeMQEventReceive>): string[] {
  return reader.received.map((event) => event.Metadata);
}

/** The Sequences of everything a subscription received, in order, as numbers. */
export function sequencesOf(reader: StreamReader<KubeMQEventReceive>): number[] {
  return reader.received.map((event) => Number(event.Sequence));
}

/** `['m<from>', ..., 'm<to-1>']`. */
export function names(from: number, to: number): string[] {
  return Array.from({ length: to - from }, (_, i) => `m${from + i}`);
}

/**
 * Lets a new subscription become active (KubeMQ gives no signal), then, when
 * `expected` is given, waits for that many events and a moment more for
 * any that should not come.
 */
export async function settle(
  reader?: StreamReader<KubeMQEventReceive>,
  expected = 0,
): Promise<void> {
  if (reader && expected > 0) await reader.waitFor(expected);
  await delay(SUBSCRIBE_SETTLE_MS);
}

/**
 * Hangs up a subscription and waits until the broker has let it go, so
 * that its ClientID can subscribe again (the real server needs a moment to
 * close the ClientID's STAN connection).
 */
export async function leave(reader: StreamReader<unknown>): Promise<void> {
  reader.cancel();
  await within(reader.ended, 5000, 'subscription end');
  await delay(SUBSCRIBE_SETTLE_MS);
}

/**
 * Subscribes, collects what arrives within a settle period (after `expected`
 * events, when given), hangs up, and returns the Metadata received.
 */
export async function receiveOnce(
  client: RawKubeMQClient,
  fields: Partial<KubeMQSubscribe>,
  expected = 0,
): Promise<string[]> {
  const reader = subscribeStore(client, fields);
  try {
    await settle(reader, expected);
    assert.equal(reader.isEnded, false, 'the subscription stays open');
    return metadataOf(reader);
  } finally {
    await leave(reader);
  }
}
