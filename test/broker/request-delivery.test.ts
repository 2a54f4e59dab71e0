// Conformance: a request's life (§4.1-§4.4): timeouts, cancellation,
// what the responder receives and what the sender gets back.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KubeMQErrorText as E } from '../../lib/kubemq/errors';
import {
  RequestType,
  SubscribeType,
  type KubeMQRequest,
  type RequestTypeValue,
} from '../../lib/kubemq/messages';
import { uniqueChannel } from '../support/broker';
import {
  delay,
  expectCallError,
  grpcError,
  status,
  SUBSCRIBE_SETTLE_MS,
  useRawClient,
} from '../support/raw-kubemq-client';
import { INBOX, listener, NUID, request, subscribeType } from './request-helpers';

const env = useRawClient();

describe('timeouts (§4.1)', () => {
  it('fails with INTERNAL Error 301 when no one subscribes', async () => {
    for (const type of [RequestType.Command, RequestType.Query]) {
      await expectCallError(
        env.client.sendRequest(request(type, uniqueChannel('nobody'), { Timeout: 300 })),
        status.INTERNAL,
        E.requestTimeout,
      );
    }
  });

  it('fails with Error 301 when the subscriber never answers', async () => {
    const channel = uniqueChannel('silent');
    const silent = listener(env.client, RequestType.Command, channel);
    await delay(SUBSCRIBE_SETTLE_MS);
    await expectCallError(
      env.client.sendRequest(request(RequestType.Command, channel, { Timeout: 500 })),
      status.INTERNAL,
      E.requestTimeout,
    );
    assert.equal(silent.received.length, 1, 'the subscriber did get the request');
    silent.cancel();
  });

  it('drops a late response: the sender got 301, the SendResponse is still OK', async () => {
    const channel = uniqueChannel('late');
    const slow = listener(env.client, RequestType.Query, channel);
    await delay(SUBSCRIBE_SETTLE_MS);
    const sent = env.client.sendRequest(request(RequestType.Query, channel, { Timeout: 500 }));
    const delivered = await slow.nth(0);
    await expectCallError(sent, status.INTERNAL, E.requestTimeout);
    const ack = await env.client.sendResponse({
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
    const silent = listener(env.client, RequestType.Command, channel);
    await delay(SUBSCRIBE_SETTLE_MS);
    const expired = await grpcError(
      env.client.sendRequest(request(RequestType.Command, channel, { Timeout: 60_000 }), {
        deadlineMs: 400,
      }),
    );
    assert.equal(expired.code, status.DEADLINE_EXCEEDED);
    const abort = new AbortController();
    const cancelled = grpcError(
      env.client.sendRequest(request(RequestType.Command, channel, { Timeout: 60_000 }), {
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
    const serving = env.client.serveRequests(
      { SubscribeTypeData: subscribeType(type), ClientID: 'shaping-responder', Channel: channel },
      (delivered) => {
        seen = delivered;
        return { ...reply, RequestID: 'responder-chosen-id' };
      },
    );
    await delay(SUBSCRIBE_SETTLE_MS);
    const response = await env.client.sendRequest(
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
    assert.match(seen.ReplyChannel, INBOX);
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
    const echo = env.client.serveRequests(
      { SubscribeTypeData: SubscribeType.Queries, ClientID: 'echo', Channel: channel },
      () => ({ Executed: true }),
    );
    await delay(SUBSCRIBE_SETTLE_MS);
    const response = await env.client.sendRequest(request(RequestType.Query, channel));
    const seen = await echo.nth(0);
    assert.match(seen.RequestID, NUID);
    assert.equal(response.RequestID, seen.RequestID);
    echo.cancel();
  });
});
