// Conformance: where requests go (§3, §4.6): every ungrouped subscriber,
// one member per group, wildcard subscriptions, separate namespaces.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KubeMQErrorText as E } from '../../lib/kubemq/errors';
import { RequestType } from '../../lib/kubemq/messages';
import { uniqueChannel } from '../support/broker';
import {
  delay,
  expectCallError,
  status,
  SUBSCRIBE_SETTLE_MS,
  useRawClient,
} from '../support/raw-kubemq-client';
import { listener, request, responder } from './request-helpers';

const env = useRawClient();

describe('fan-out and groups (§4.6)', () => {
  it('gives each request to every ungrouped subscriber; the first response wins', async () => {
    const channel = uniqueChannel('ungrouped');
    const fast = responder(env.client, RequestType.Query, channel, 'fast');
    const held = listener(env.client, RequestType.Query, channel);
    await delay(SUBSCRIBE_SETTLE_MS);
    const response = await env.client.sendRequest(request(RequestType.Query, channel));
    assert.equal(response.Metadata, 'fast');
    // The second subscriber got it too; its answer now finds nobody waiting.
    const copy = await held.nth(0);
    assert.equal(copy.RequestID, (await fast.nth(0)).RequestID);
    const ack = await env.client.sendResponse({
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
      responder(env.client, RequestType.Command, channel, 'member-a', 'workers'),
      responder(env.client, RequestType.Command, channel, 'member-b', 'workers'),
    ];
    await delay(SUBSCRIBE_SETTLE_MS);
    const count = 12;
    for (let i = 0; i < count; i += 1) {
      const response = await env.client.sendRequest(
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
    const solo = responder(env.client, RequestType.Query, channel, 'solo');
    const groupA = [
      listener(env.client, RequestType.Query, channel, 'a'),
      listener(env.client, RequestType.Query, channel, 'a'),
    ];
    const groupB = [listener(env.client, RequestType.Query, channel, 'b')];
    await delay(SUBSCRIBE_SETTLE_MS);
    const count = 6;
    for (let i = 0; i < count; i += 1) {
      await env.client.sendRequest(request(RequestType.Query, channel));
    }
    await delay(SUBSCRIBE_SETTLE_MS);
    assert.equal(solo.received.length, count);
    assert.equal(groupA[0].received.length + groupA[1].received.length, count);
    assert.equal(groupB[0].received.length, count);
    for (const stream of [solo, ...groupA, ...groupB]) stream.cancel();
  });

  it('treats one group name under different patterns as one group', async () => {
    const prefix = uniqueChannel('group-patterns');
    const exact = listener(env.client, RequestType.Command, `${prefix}.orders`, 'shared');
    const wild = listener(env.client, RequestType.Command, `${prefix}.*`, 'shared');
    await delay(SUBSCRIBE_SETTLE_MS);
    const count = 8;
    for (let i = 0; i < count; i += 1) {
      await expectCallError(
        env.client.sendRequest(request(RequestType.Command, `${prefix}.orders`, { Timeout: 150 })),
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
    const star = listener(env.client, RequestType.Query, `${prefix}.*`);
    const tail = listener(env.client, RequestType.Query, `${prefix}.>`);
    const answer = responder(env.client, RequestType.Query, `${prefix}.>`, 'answer');
    await delay(SUBSCRIBE_SETTLE_MS);
    await env.client.sendRequest(request(RequestType.Query, `${prefix}.one`));
    await env.client.sendRequest(request(RequestType.Query, `${prefix}.one.two`));
    await expectCallError(
      env.client.sendRequest(request(RequestType.Query, prefix, { Timeout: 300 })),
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
    const commands = responder(env.client, RequestType.Command, channel, 'commands');
    await delay(SUBSCRIBE_SETTLE_MS);
    await expectCallError(
      env.client.sendRequest(request(RequestType.Query, channel, { Timeout: 300 })),
      status.INTERNAL,
      E.requestTimeout,
    );
    const response = await env.client.sendRequest(request(RequestType.Command, channel));
    assert.equal(response.Executed, true);
    assert.equal(commands.received.length, 1, 'the query never reached the commands subscriber');
    commands.cancel();
  });

  it('does not deliver events to request subscribers', async () => {
    const channel = uniqueChannel('events-vs-requests');
    const commands = listener(env.client, RequestType.Command, channel);
    await delay(SUBSCRIBE_SETTLE_MS);
    const result = await env.client.sendEvent({ ClientID: 'x', Channel: channel, Metadata: 'm' });
    assert.equal(result.Sent, true);
    await delay(SUBSCRIBE_SETTLE_MS);
    assert.equal(commands.received.length, 0);
    commands.cancel();
  });
});
