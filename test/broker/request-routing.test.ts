// Conformance: how commands and queries travel (§4): timeouts, response
// shaping, IDs, fan-out with groups, wildcards and separate namespaces.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KubeMQErrorText as E } from '../../lib/kubemq/errors';
import {
  RequestType,
  SubscribeType,
  type KubeMQRequest,
  type RequestTypeValue,
} from '../../lib/kubemq/messages';
import { startTestBroker, uniqueChannel, type TestBrokerHandle } from '../support/broker';
import {
  delay,
  expectCallError,
  grpcError,
  RawKubeMQClient,
  status,
  SUBSCRIBE_SETTLE_MS,
  type StreamReader,
} from '../support/raw-kubemq-client';

let broker: TestBrokerHandle;
let client: RawKubeMQClient;

before(async () => {
  broker = await startTestBroker();
  client = new RawKubeMQClient(broker.address);
});

after(async () => {
  client.close();
  await broker.stop();
});

const NUID = /^[0-9A-Za-z]{22}$/;
const INBOX = /^_INBOX\.[0-9A-Za-z]{22}\.[0-9A-Za-z]{8}$/;

function request(
  type: RequestTypeValue,
  channel: string,
  fields: Partial<KubeMQRequest> = {},
): Partial<KubeMQRequest> {
  return {
    RequestTypeData: type,
    ClientID: 'routing-sender',
    Channel: channel,
    Body: Buffer.from('ping'),
    Timeout: 5000,
    ...fields,
  };
}

function subscribeType(type: RequestTypeValue): number {
  return type === RequestType.Command ? SubscribeType.Commands : SubscribeType.Queries;
}

/** A responder that answers every request with its own name in Metadata. */
function responder(
  type: RequestTypeValue,
  channel: string,
  name: string,
  group = '',
): StreamReader<KubeMQRequest> {
  return client.serveRequests(
    { SubscribeTypeData: subscribeType(type), ClientID: name, Channel: channel, Group: group },
    () => ({ ClientID: name, Metadata: name, Body: Buffer.from(name), Executed: true }),
  );
}

/** A subscriber that never answers. */
function listener(
  type: RequestTypeValue,
  channel: string,
  group = '',
): StreamReader<KubeMQRequest> {
  return client.subscribeToRequests({
    SubscribeTypeData: subscribeType(type),
    ClientID: 'routing-listener',
    Channel: channel,
    Group: group,
  });
}

describe('timeouts (§4.1)', () => {
  it('fails with INTERNAL Error 301 when no one subscribes', async () => {
    for (const type of [RequestType.Command, RequestType.Query]) {
      await expectCallError(
        client.sendRequest(request(type, uniqueChannel('nobody'), { Timeout: 300 })),
        status.INTERNAL,
        E.requestTimeout,
      );
    }
  });

  it('fails with Error 301 when the subscriber never answers', async () => {
    const channel = uniqueChannel('silent');
    const silent = listener(RequestType.Command, channel);
    await delay(SUBSCRIBE_SETTLE_MS);
    await expectCallError(
      client.sendRequest(request(RequestType.Command, channel, { Timeout: 500 })),
      status.INTERNAL,
      E.requestTimeout,
    );
    assert.equal(silent.received.length, 1, 'the subscriber did get the request');
    silent.cancel();
  });

  it('drops a late response: the sender got 301, the SendResponse is still OK', async () => {
    const channel = uniqueChannel('late');
    const slow = listener(RequestType.Query, channel);
    await delay(SUBSCRIBE_SETTLE_MS);
    const sent = client.sendRequest(request(RequestType.Query, channel, { Timeout: 500 }));
    const delivered = await slow.nth(0);
    await expectCallError(sent, status.INTERNAL, E.requestTimeout);
    const ack = await client.sendResponse({
      ClientID: 'late-responder',
      RequestID: delivered.RequestID,
      ReplyChannel: delivered.ReplyChannel,
      Executed: true,
    });
    assert.deepEqual(ack, {});
    slow.cancel();
  });

  it('ends the wait when the caller cancels or its gRPC deadline passes', async () => {
    const channel = uniqueChannel('cancel');
    const silent = listener(RequestType.Command, channel);
    await delay(SUBSCRIBE_SETTLE_MS);
    const expired = await grpcError(
      client.sendRequest(request(RequestType.Command, channel, { Timeout: 60_000 }), {
        deadlineMs: 400,
      }),
    );
    assert.equal(expired.code, status.DEADLINE_EXCEEDED);
    const abort = new AbortController();
    const cancelled = grpcError(
      client.sendRequest(request(RequestType.Command, channel, { Timeout: 60_000 }), {
        signal: abort.signal,
      }),
    );
    await silent.nth(1);
    abort.abort();
    assert.equal((await cancelled).code, status.CANCELLED);
    silent.cancel();
  });
});

describe('request and response shaping (§4.2, §4.4)', () => {
  const span = Buffer.from([1, 2, 3]);
  const reply = {
    ClientID: 'shaping-responder',
    Metadata: 'response-metadata',
    Body: Buffer.from('response-body'),
    CacheHit: true,
    Executed: false,
    Error: 'handler failed',
    Timestamp: '1700000000123',
    Tags: { outcome: 'tagged' },
    Span: span,
  };

  async function roundTrip(type: RequestTypeValue) {
    const channel = uniqueChannel('shaping');
    let seen: KubeMQRequest | undefined;
    const serving = client.serveRequests(
      { SubscribeTypeData: subscribeType(type), ClientID: 'shaping-responder', Channel: channel },
      (delivered) => {
        seen = delivered;
        return { ...reply, RequestID: 'responder-chosen-id' };
      },
    );
    await delay(SUBSCRIBE_SETTLE_MS);
    const response = await client.sendRequest(
      request(type, channel, {
        RequestID: 'sender-id',
        Metadata: 'request-metadata',
        ReplyChannel: 'sender-supplied-reply',
        Span: span,
        Tags: { k: 'v' },
      }),
    );
    serving.cancel();
    assert.ok(seen, 'the responder saw the request');
    return { response, seen };
  }

  it('delivers the request as sent, with ReplyChannel overwritten', async () => {
    const { seen } = await roundTrip(RequestType.Command);
    assert.equal(seen.RequestID, 'sender-id');
    assert.equal(seen.RequestTypeData, RequestType.Command);
    assert.equal(seen.ClientID, 'routing-sender');
    assert.equal(seen.Metadata, 'request-metadata');
    assert.deepEqual(Buffer.from(seen.Body), Buffer.from('ping'));
    assert.equal(seen.Timeout, 5000);
    assert.deepEqual(Buffer.from(seen.Span), span);
    assert.deepEqual(seen.Tags, { k: 'v' });
    assert.notEqual(seen.ReplyChannel, 'sender-supplied-reply');
    assert.ok(seen.ReplyChannel.length > 0);
    if (!broker.external) assert.match(seen.ReplyChannel, INBOX);
  });

  it('returns a command response with Body/Metadata cleared and CacheHit false', async () => {
    const { response } = await roundTrip(RequestType.Command);
    assert.equal(response.Metadata, '');
    assert.equal(response.Body.length, 0);
    assert.equal(response.CacheHit, false);
    assert.equal(response.ReplyChannel, '');
    assert.equal(response.ClientID, 'shaping-responder');
    assert.equal(response.RequestID, 'responder-chosen-id');
    assert.equal(response.Executed, false);
    assert.equal(response.Error, 'handler failed');
    assert.equal(response.Timestamp, '1700000000123');
    assert.deepEqual(response.Tags, { outcome: 'tagged' });
    assert.deepEqual(Buffer.from(response.Span), span);
  });

  it('returns a query response as the responder sent it, ReplyChannel cleared', async () => {
    const { response } = await roundTrip(RequestType.Query);
    assert.equal(response.Metadata, 'response-metadata');
    assert.deepEqual(Buffer.from(response.Body), Buffer.from('response-body'));
    assert.equal(response.CacheHit, true);
    assert.equal(response.ReplyChannel, '');
    assert.equal(response.Executed, false);
    assert.equal(response.Error, 'handler failed');
    assert.equal(response.Timestamp, '1700000000123');
    assert.deepEqual(response.Tags, { outcome: 'tagged' });
  });

  it('generates a 22-character base-62 RequestID when the sender gives none', async () => {
    const channel = uniqueChannel('generated-id');
    const echo = client.serveRequests(
      { SubscribeTypeData: SubscribeType.Queries, ClientID: 'echo', Channel: channel },
      () => ({ Executed: true }),
    );
    await delay(SUBSCRIBE_SETTLE_MS);
    const response = await client.sendRequest(request(RequestType.Query, channel));
    const seen = await echo.nth(0);
    assert.match(seen.RequestID, NUID);
    assert.equal(response.RequestID, seen.RequestID);
    echo.cancel();
  });
});

describe('fan-out and groups (§4.6)', () => {
  it('gives each request to every ungrouped subscriber; the first response wins', async () => {
    const channel = uniqueChannel('ungrouped');
    const fast = responder(RequestType.Query, channel, 'fast');
    const held = listener(RequestType.Query, channel);
    await delay(SUBSCRIBE_SETTLE_MS);
    const response = await client.sendRequest(request(RequestType.Query, channel));
    assert.equal(response.Metadata, 'fast');
    // The second subscriber got it too; its answer now finds nobody waiting.
    const copy = await held.nth(0);
    assert.equal(copy.RequestID, (await fast.nth(0)).RequestID);
    const ack = await client.sendResponse({
      ClientID: 'held',
      RequestID: copy.RequestID,
      ReplyChannel: copy.ReplyChannel,
      Metadata: 'held',
    });
    assert.deepEqual(ack, {});
    fast.cancel();
    held.cancel();
  });

  it('gives each request to exactly one member of a group', async () => {
    const channel = uniqueChannel('grouped');
    const members = [
      responder(RequestType.Command, channel, 'member-a', 'workers'),
      responder(RequestType.Command, channel, 'member-b', 'workers'),
    ];
    await delay(SUBSCRIBE_SETTLE_MS);
    const count = 12;
    for (let i = 0; i < count; i += 1) {
      const response = await client.sendRequest(
        request(RequestType.Command, channel, { RequestID: `grouped-${i}` }),
      );
      assert.equal(response.Executed, true);
    }
    await delay(SUBSCRIBE_SETTLE_MS);
    const ids = members.flatMap((member) => member.received.map((r) => r.RequestID));
    assert.equal(ids.length, count, 'each request reached one member only');
    assert.equal(new Set(ids).size, count);
    for (const member of members) member.cancel();
  });

  it('serves an ungrouped subscriber and one member per group side by side', async () => {
    const channel = uniqueChannel('mixed');
    const solo = responder(RequestType.Query, channel, 'solo');
    const groupA = [
      listener(RequestType.Query, channel, 'a'),
      listener(RequestType.Query, channel, 'a'),
    ];
    const groupB = [listener(RequestType.Query, channel, 'b')];
    await delay(SUBSCRIBE_SETTLE_MS);
    const count = 6;
    for (let i = 0; i < count; i += 1) {
      await client.sendRequest(request(RequestType.Query, channel));
    }
    await delay(SUBSCRIBE_SETTLE_MS);
    assert.equal(solo.received.length, count);
    assert.equal(groupA[0].received.length + groupA[1].received.length, count);
    assert.equal(groupB[0].received.length, count);
    for (const stream of [solo, ...groupA, ...groupB]) stream.cancel();
  });

  it('treats one group name under different patterns as one group', async () => {
    const prefix = uniqueChannel('group-patterns');
    const exact = listener(RequestType.Command, `${prefix}.orders`, 'shared');
    const wild = listener(RequestType.Command, `${prefix}.*`, 'shared');
    await delay(SUBSCRIBE_SETTLE_MS);
    const count = 8;
    for (let i = 0; i < count; i += 1) {
      await expectCallError(
        client.sendRequest(request(RequestType.Command, `${prefix}.orders`, { Timeout: 150 })),
        status.INTERNAL,
        E.requestTimeout,
      );
    }
    await delay(SUBSCRIBE_SETTLE_MS);
    assert.equal(exact.received.length + wild.received.length, count);
    exact.cancel();
    wild.cancel();
  });
});

describe('wildcards and namespaces (§3)', () => {
  it('delivers to `*` and `>` subscriptions with the concrete channel', async () => {
    const prefix = uniqueChannel('wild');
    const star = listener(RequestType.Query, `${prefix}.*`);
    const tail = listener(RequestType.Query, `${prefix}.>`);
    const answer = responder(RequestType.Query, `${prefix}.>`, 'answer');
    await delay(SUBSCRIBE_SETTLE_MS);
    await client.sendRequest(request(RequestType.Query, `${prefix}.one`));
    await client.sendRequest(request(RequestType.Query, `${prefix}.one.two`));
    await expectCallError(
      client.sendRequest(request(RequestType.Query, prefix, { Timeout: 300 })),
      status.INTERNAL,
      E.requestTimeout,
    );
    await delay(SUBSCRIBE_SETTLE_MS);
    assert.deepEqual(
      star.received.map((r) => r.Channel),
      [`${prefix}.one`],
    );
    assert.deepEqual(
      tail.received.map((r) => r.Channel),
      [`${prefix}.one`, `${prefix}.one.two`],
    );
    for (const stream of [star, tail, answer]) stream.cancel();
  });

  it('keeps commands and queries apart on the same channel', async () => {
    const channel = uniqueChannel('namespaces');
    const commands = responder(RequestType.Command, channel, 'commands');
    await delay(SUBSCRIBE_SETTLE_MS);
    await expectCallError(
      client.sendRequest(request(RequestType.Query, channel, { Timeout: 300 })),
      status.INTERNAL,
      E.requestTimeout,
    );
    const response = await client.sendRequest(request(RequestType.Command, channel));
    assert.equal(response.Executed, true);
    assert.equal(commands.received.length, 1, 'the query never reached the commands subscriber');
    commands.cancel();
  });

  it('does not deliver events to request subscribers', async () => {
    const channel = uniqueChannel('events-vs-requests');
    const commands = listener(RequestType.Command, channel);
    await delay(SUBSCRIBE_SETTLE_MS);
    const result = await client.sendEvent({ ClientID: 'x', Channel: channel, Metadata: 'm' });
    assert.equal(result.Sent, true);
    await delay(SUBSCRIBE_SETTLE_MS);
    assert.equal(commands.received.length, 0);
    commands.cancel();
  });
});
