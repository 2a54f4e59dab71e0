// REST and gRPC clients of one broker talk to each other: requests, responses and events sent
// on one face reach subscribers on the other, with the shapes of §8.1 (PascalCase, omitempty,
// base64 bodies, numeric enums and int64). Against a real server: KUBEMQ_REST_ADDRESS.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RequestType, SubscribeType } from '../../lib/kubemq/messages';
import { uniqueChannel } from '../support/broker';
import { delay, SUBSCRIBE_SETTLE_MS } from '../support/raw-kubemq-client';
import {
  b64,
  NEEDS_REST,
  post,
  Subscription,
  unb64,
  type Envelope,
  useRestBroker,
} from './rest-helpers';

const env = useRestBroker();

const settle = (): Promise<void> => delay(env.broker.external ? SUBSCRIBE_SETTLE_MS : 20);

describe('REST sender, gRPC responder', { skip: NEEDS_REST }, () => {
  it('a command over POST /send/request reaches a gRPC subscriber; the answer has no Body or Metadata', async () => {
    const channel = uniqueChannel('rest-to-grpc-cmd');
    const responder = env.grpc.serveRequests(
      { SubscribeTypeData: SubscribeType.Commands, ClientID: 'grpc-responder', Channel: channel },
      () => ({
        ClientID: 'grpc-responder',
        Executed: true,
        Metadata: 'dropped',
        Body: Buffer.from('dropped'),
        Timestamp: '1700000000123',
      }),
    );
    await settle();
    const res = await post(`${env.broker.rest}/send/request`, {
      RequestID: 'rest-cmd-1',
      RequestTypeData: 1,
      ClientID: 'rest-sender',
      Channel: channel,
      Metadata: 'some-metadata',
      Body: b64('some command'),
      Timeout: 5000,
      Tags: { a: '1' },
    });
    assert.equal(res.status, 200, res.text);
    const { data } = res.json as Envelope<Record<string, unknown>>;
    assert.deepEqual(data, {
      ClientID: 'grpc-responder',
      RequestID: 'rest-cmd-1',
      Timestamp: 1700000000123,
      Executed: true,
    });
    const delivered = responder.received[0];
    assert.equal(delivered.RequestTypeData, RequestType.Command);
    assert.equal(delivered.ClientID, 'rest-sender');
    assert.equal(delivered.Metadata, 'some-metadata');
    assert.equal(Buffer.from(delivered.Body).toString(), 'some command');
    assert.deepEqual({ ...delivered.Tags }, { a: '1' });
    responder.cancel();
  });

  it('a query answer keeps Body (base64) and Metadata; Executed:false and Error pass through', async () => {
    const channel = uniqueChannel('rest-to-grpc-query');
    const responder = env.grpc.serveRequests(
      { SubscribeTypeData: SubscribeType.Queries, ClientID: 'grpc-responder', Channel: channel },
      (request) =>
        Buffer.from(request.Body).toString() === 'fail'
          ? { Executed: false, Error: 'no such thing' }
          : {
              Executed: true,
              Metadata: 'meta',
              Body: Buffer.from(`echo: ${Buffer.from(request.Body)}`),
            },
    );
    await settle();
    const ok = await post(`${env.broker.rest}/send/request`, {
      RequestTypeData: 2,
      ClientID: 'rest-sender',
      Channel: channel,
      Body: b64('world'),
      Timeout: 5000,
    });
    const answer = (ok.json as Envelope<Record<string, unknown>>).data;
    assert.equal(answer.Executed, true);
    assert.equal(answer.Metadata, 'meta');
    assert.equal(unb64(String(answer.Body)), 'echo: world');
    assert.match(String(answer.RequestID), /^[0-9A-Za-z]{22}$/, 'generated RequestID');

    const failed = await post(`${env.broker.rest}/send/request`, {
      RequestTypeData: 2,
      ClientID: 'rest-sender',
      Channel: channel,
      Body: b64('fail'),
      Timeout: 5000,
    });
    assert.equal(failed.status, 200, 'a responder error is a successful call');
    const data = (failed.json as Envelope<Record<string, unknown>>).data;
    assert.equal(data.Executed, undefined, 'false is left out (omitempty)');
    assert.equal(data.Error, 'no such thing');
    responder.cancel();
  });
});

describe('gRPC sender, WebSocket responder', { skip: NEEDS_REST }, () => {
  it('GET /subscribe/requests pushes each request as Request JSON; POST /send/response answers it', async () => {
    const channel = uniqueChannel('grpc-to-ws');
    const subscription = await Subscription.open(env.broker.ws, 'requests', {
      client_id: 'ws-responder',
      channel,
      subscribe_type: 'queries',
    });
    await settle();
    const sent = env.grpc.sendRequest({
      RequestTypeData: RequestType.Query,
      ClientID: 'grpc-sender',
      Channel: channel,
      Metadata: 'm',
      Body: Buffer.from('question'),
      Timeout: 5000,
    });
    const request = await subscription.frame(0);
    assert.deepEqual(Object.keys(request), [
      'RequestID',
      'RequestTypeData',
      'ClientID',
      'Channel',
      'Metadata',
      'Body',
      'ReplyChannel',
      'Timeout',
    ]);
    assert.equal(request.RequestTypeData, 2, 'numeric enum');
    assert.equal(request.Timeout, 5000);
    assert.equal(unb64(String(request.Body)), 'question');
    assert.match(String(request.ReplyChannel), /^_INBOX\./);

    // An int64 beyond 2^53 written as a JSON number keeps every digit.
    const answer = await post(
      `${env.broker.rest}/send/response`,
      `{"ClientID":"ws-responder","RequestID":${JSON.stringify(request.RequestID)},` +
        `"ReplyChannel":${JSON.stringify(request.ReplyChannel)},"Executed":true,` +
        `"Body":"${b64('answer')}","Timestamp":1700000000000000123}`,
    );
    assert.equal(answer.status, 200, answer.text);
    const response = await sent;
    assert.equal(response.Executed, true);
    assert.equal(response.ClientID, 'ws-responder');
    assert.equal(Buffer.from(response.Body).toString(), 'answer');
    assert.equal(String(response.Timestamp), '1700000000000000123');
    subscription.close();
  });

  it('WebSocket subscribers with a group share the requests; a closed socket stops getting them', async () => {
    const channel = uniqueChannel('ws-group');
    const params = { client_id: 'ws', channel, subscribe_type: 'commands', group: 'g' };
    const first = await Subscription.open(env.broker.ws, 'requests', params);
    const second = await Subscription.open(env.broker.ws, 'requests', params);
    await settle();
    const timeouts = [1, 2, 3, 4].map(() =>
      env.grpc
        .sendRequest({
          RequestTypeData: 1,
          ClientID: 'g',
          Channel: channel,
          Body: Buffer.from('x'),
          Timeout: 300,
        })
        .catch(() => 'timeout'),
    );
    await Promise.all(timeouts);
    assert.equal(first.frames.length + second.frames.length, 4, 'each request went to one member');
    first.close();
    second.close();
    await Promise.all([first.closed, second.closed]);
    await delay(50);
    const unanswered = await env.grpc
      .sendRequest({
        RequestTypeData: 1,
        ClientID: 'g',
        Channel: channel,
        Body: Buffer.from('x'),
        Timeout: 200,
      })
      .catch((error: Error) => error.message);
    assert.match(String(unanswered), /Error 301/);
    assert.equal(first.frames.length + second.frames.length, 4, 'nothing after close');
  });
});

describe('events across faces', { skip: NEEDS_REST }, () => {
  it('POST /send/event reaches a gRPC events subscriber; a gRPC event reaches GET /subscribe/events', async () => {
    const channel = uniqueChannel('rest-events');
    const grpcListener = env.grpc.subscribeToEvents({
      SubscribeTypeData: SubscribeType.Events,
      ClientID: 'grpc-listener',
      Channel: channel,
    });
    const wsListener = await Subscription.open(env.broker.ws, 'events', {
      client_id: 'ws-listener',
      channel,
      subscribe_type: 'events',
    });
    await settle();
    const sent = await post(`${env.broker.rest}/send/event`, {
      EventID: 'ev-1',
      ClientID: 'rest-sender',
      Channel: channel,
      Body: b64('from rest'),
    });
    assert.deepEqual((sent.json as Envelope).data, { EventID: 'ev-1', Sent: true });
    const received = await grpcListener.nth(0);
    assert.equal(Buffer.from(received.Body).toString(), 'from rest');

    await env.grpc.sendEvent({ ClientID: 'grpc-sender', Channel: channel, Metadata: 'grpc' });
    const frames = [await wsListener.frame(0), await wsListener.frame(1)];
    assert.deepEqual(frames[0], { EventID: 'ev-1', Channel: channel, Body: b64('from rest') });
    assert.equal(frames[1].Metadata, 'grpc');
    assert.equal(frames[1].Timestamp, undefined, 'plain events: Timestamp 0, left out');
    grpcListener.cancel();
    wsListener.close();
  });
});
