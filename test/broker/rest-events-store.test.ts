// The events store on the REST face (§8.1): POST /send/event with Store, the WebSocket
// /subscribe/events?subscribe_type=events_store, and the WebSocket /send/stream, shared with
// gRPC clients. Against a real server: KUBEMQ_REST_ADDRESS.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { KubeMQErrorText as E } from '../../lib/kubemq/errors';
import { SubscribeType } from '../../lib/kubemq/messages';
import { uniqueChannel } from '../support/broker';
import { delay, SUBSCRIBE_SETTLE_MS } from '../support/raw-kubemq-client';
import {
  EventsStoreType,
  leave,
  metadataOf,
  names,
  publishStore,
  receiveOnce,
  subscribeStore,
  uniqueClientId,
} from './events-store-helpers';
import {
  b64,
  get,
  NEEDS_REST,
  post,
  Subscription,
  unb64,
  type Envelope,
  useRestBroker,
} from './rest-helpers';

const env = useRestBroker();

/** Query of an events-store WebSocket subscription. */
function storeQuery(fields: Record<string, string>): Record<string, string> {
  return {
    client_id: uniqueClientId('ws-store'),
    subscribe_type: 'events_store',
    events_store_type_data: String(EventsStoreType.StartFromFirst),
    ...fields,
  };
}

/** Expects the upgrade to be refused with HTTP 400 and this envelope text. */
async function expectRefused(params: Record<string, string>, message: string): Promise<void> {
  const refusal = await Subscription.open(env.broker.ws, 'events', params).then(
    (subscription) => {
      subscription.close();
      throw new Error('the subscription was accepted');
    },
    (error: { status: number; body: string }) => error,
  );
  assert.equal(refusal.status, 400);
  assert.equal((JSON.parse(refusal.body) as Envelope).message, message);
}

/** Waits until `subscription` holds `count` frames, then a moment more for extras. */
async function frames(subscription: Subscription, count: number): Promise<string[]> {
  if (count > 0) await subscription.frame(count - 1);
  await delay(SUBSCRIBE_SETTLE_MS);
  return subscription.frames;
}

describe('REST face: the events store (§8.1)', { skip: NEEDS_REST }, () => {
  it('POST /send/event with Store: true stores the event; the answer is a Result', async () => {
    const channel = uniqueChannel('rest-store-send');
    const generated = await post(`${env.broker.rest}/send/event`, {
      ClientID: 'rest-sender',
      Channel: channel,
      Metadata: 'm0',
      Store: true,
    });
    assert.equal(generated.status, 200, generated.text);
    const { data } = generated.json as Envelope<{ EventID: string; Sent: boolean }>;
    assert.match(data.EventID, /^[0-9A-Za-z]{22}$/);
    assert.equal(data.Sent, true);
    const kept = await post(`${env.broker.rest}/send/event`, {
      EventID: 'rest-store-id',
      ClientID: 'rest-sender',
      Channel: channel,
      Body: b64('m1 body'),
      Store: true,
    });
    assert.deepEqual((kept.json as Envelope).data, { EventID: 'rest-store-id', Sent: true });
    const refused = await post(`${env.broker.rest}/send/event`, {
      ClientID: 'rest-sender',
      Channel: `${channel}.*`,
      Metadata: 'x',
      Store: true,
    });
    assert.equal(refused.status, 400);
    assert.equal((refused.json as Envelope).message, E.wildcardChannel);
    const reader = subscribeStore(env.grpc, {
      ClientID: uniqueClientId('rest-store-reader'),
      Channel: channel,
      EventsStoreTypeData: EventsStoreType.StartFromFirst,
    });
    const [first, second] = await reader.waitFor(2);
    assert.equal(first.EventID, data.EventID);
    assert.equal(first.Sequence, '1');
    assert.equal(second.EventID, 'rest-store-id');
    assert.equal(Buffer.from(second.Body).toString(), 'm1 body');
    await leave(reader);
  });

  it('the events_store WebSocket pushes EventReceive JSON with exact int64 Sequence and Timestamp', async () => {
    const channel = uniqueChannel('rest-store-ws');
    await env.grpc.sendEvent({
      ClientID: 'grpc-sender',
      Channel: channel,
      Metadata: 'm0',
      Body: Buffer.from('hi'),
      Tags: { t: 'v' },
      Store: true,
    });
    const subscription = await Subscription.open(env.broker.ws, 'events', storeQuery({ channel }));
    await publishStore(env.grpc, channel, 1, 1);
    const [first, second] = await frames(subscription, 2);
    const firstJson = JSON.parse(first) as Record<string, unknown>;
    assert.deepEqual(Object.keys(firstJson), [
      'EventID',
      'Channel',
      'Metadata',
      'Body',
      'Timestamp',
      'Sequence',
      'Tags',
    ]);
    assert.equal(firstJson.Channel, channel);
    assert.equal(unb64(firstJson.Body as string), 'hi');
    assert.deepEqual(firstJson.Tags, { t: 'v' });
    assert.equal(firstJson.Sequence, 1);
    // Nanoseconds as a plain JSON number: read the digits from the text, not through a double.
    const stamp = /"Timestamp":(\d+)/.exec(first)?.[1] ?? '';
    assert.match(stamp, /^[1-9][0-9]{18}$/);
    const reader = subscribeStore(env.grpc, {
      ClientID: uniqueClientId('rest-store-ws-grpc'),
      Channel: channel,
      EventsStoreTypeData: EventsStoreType.StartFromFirst,
    });
    const [viaGrpc] = await reader.waitFor(1);
    assert.equal(stamp, viaGrpc.Timestamp, 'the same stored time on both faces');
    assert.equal((JSON.parse(second) as Record<string, unknown>).Sequence, 2);
    subscription.close();
    await leave(reader);
  });

  it('checks the subscription before the upgrade, with the gRPC order and texts', async () => {
    const channel = uniqueChannel('rest-store-check');
    const clientId = uniqueClientId('rest-store-taken');
    const live = subscribeStore(env.grpc, {
      ClientID: clientId,
      Channel: channel,
      EventsStoreTypeData: EventsStoreType.StartNewOnly,
    });
    await delay(SUBSCRIBE_SETTLE_MS);
    const cases: [Record<string, string>, string][] = [
      [{ client_id: '', channel }, E.emptyClientId],
      [{ client_id: 'a.b', channel: '' }, E.invalidStanClientId],
      [{ client_id: clientId, channel: '' }, E.stanClientIdRegistered],
      [{ channel: `${channel}.*` }, E.wildcardChannel],
      [{ channel, events_store_type_data: '0' }, E.undefinedEventsStoreType],
      [{ channel, events_store_type_data: '9' }, E.undefinedEventsStoreType],
      [{ channel, events_store_type_data: '4' }, E.invalidStartAtSequence],
      [
        { channel, events_store_type_data: '5', events_store_type_value: 'x' },
        E.invalidStartAtTime,
      ],
      [{ channel: `${channel}..x` }, E.stanInvalidSubject],
      [{ channel, group: 'a:b' }, E.stanDurableQueueName],
    ];
    for (const [fields, message] of cases) await expectRefused(storeQuery(fields), message);
    await leave(live);
  });

  it('a WebSocket subscriber holds its ClientID against gRPC, and is durable like one', async () => {
    const channel = uniqueChannel('rest-store-durable');
    const clientId = uniqueClientId('rest-store-durable');
    await publishStore(env.grpc, channel, 2);
    const subscription = await Subscription.open(
      env.broker.ws,
      'events',
      storeQuery({ client_id: clientId, channel }),
    );
    assert.equal((await frames(subscription, 2)).length, 2);
    const refused = subscribeStore(env.grpc, {
      ClientID: clientId,
      Channel: channel,
      EventsStoreTypeData: EventsStoreType.StartFromFirst,
    });
    assert.equal((await refused.ended).details, E.stanClientIdRegistered);
    subscription.close();
    await subscription.closed;
    await delay(SUBSCRIBE_SETTLE_MS);
    await publishStore(env.grpc, channel, 1, 2);
    const resumed = await receiveOnce(
      env.grpc,
      { ClientID: clientId, Channel: channel, EventsStoreTypeData: EventsStoreType.StartFromFirst },
      1,
    );
    assert.deepEqual(resumed, ['m2'], 'resumes after what the WebSocket was given');
  });

  it('GET /send/stream answers every Event frame, plain or store; unreadable frames get nothing', async () => {
    const channel = uniqueChannel('rest-send-stream');
    const store = subscribeStore(env.grpc, {
      ClientID: uniqueClientId('rest-send-stream'),
      Channel: channel,
      EventsStoreTypeData: EventsStoreType.StartNewOnly,
    });
    const plain = env.grpc.subscribeToEvents({
      SubscribeTypeData: SubscribeType.Events,
      ClientID: 'rest-send-stream-plain',
      Channel: channel,
    });
    await delay(SUBSCRIBE_SETTLE_MS);
    const ws = new WebSocket(`${env.broker.ws}/send/stream`);
    const answers: string[] = [];
    ws.on('message', (data) => answers.push(String(data)));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const base = { ClientID: 'rest-streamer', Channel: channel };
    const frames = [
      JSON.stringify({ ...base, EventID: 's-1', Metadata: 'm0', Store: true }),
      JSON.stringify({ ...base, EventID: 'p-1', Metadata: 'plain' }),
      JSON.stringify({ ...base, Metadata: 'm1', Store: true }),
      JSON.stringify({ ...base, EventID: 'bad', ClientID: '', Metadata: 'x', Store: true }),
      JSON.stringify({ ...base, EventID: 'bad-2', Metadata: '' }),
      'not json',
      '[]',
      `${JSON.stringify({ ...base, EventID: 'trailing', Metadata: 'x', Store: true })} x`,
      JSON.stringify({ ...base, EventID: 'typed', Metadata: 'x', Store: 'yes' }),
      'null',
      JSON.stringify({ ...base, EventID: 's-3', Metadata: 'm2', Store: true }),
    ];
    for (const frame of frames) ws.send(frame);
    ws.send(Buffer.from(JSON.stringify({ ...base, Metadata: 'bin', Store: true })), {
      binary: true,
    });
    const deadline = Date.now() + 5000;
    while (answers.length < 7 && Date.now() < deadline) await delay(20);
    await delay(SUBSCRIBE_SETTLE_MS);
    const parsed = answers.map((a) => JSON.parse(a) as Record<string, unknown>);
    assert.equal(parsed.length, 7, answers.join('\n'));
    assert.deepEqual(parsed[0], { EventID: 's-1', Sent: true });
    assert.deepEqual(parsed[1], { EventID: 'p-1', Sent: true }, 'plain events are answered too');
    assert.match(String(parsed[2].EventID), /^[0-9A-Za-z]{22}$/);
    assert.deepEqual(parsed.slice(3), [
      { Error: E.emptyClientId },
      { Error: E.emptyMessage },
      { Error: E.emptyClientId },
      { EventID: 's-3', Sent: true },
    ]);
    await store.waitFor(3);
    assert.deepEqual(metadataOf(store), names(0, 3));
    assert.deepEqual(
      plain.received.map((e) => e.EventID),
      ['p-1'],
    );
    ws.close();
    plain.cancel();
    await leave(store);
  });

  it('GET /send/stream without a WebSocket handshake is refused like the subscriptions', async () => {
    const res = await get(`${env.broker.rest}/send/stream`);
    assert.equal(res.status, 400);
    assert.match(res.text, /^Bad Request\n/);
    assert.match(res.text, /not using the websocket protocol/);
  });
});
