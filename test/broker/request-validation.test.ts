// Conformance: the validation order and error texts of SendRequest (§4.1),
// SendResponse (§4.3) and SubscribeToRequests (§4.6), checked over raw gRPC.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KubeMQErrorText as E } from '../../lib/kubemq/errors';
import { RequestType, SubscribeType, type KubeMQRequest } from '../../lib/kubemq/messages';
import { uniqueChannel } from '../support/broker';
import {
  delay,
  expectCallError,
  expectStreamError,
  status,
  SUBSCRIBE_SETTLE_MS,
  useRawClient,
} from '../support/raw-kubemq-client';

const env = useRawClient();

const body = Buffer.from('payload');

/** A request that passes every check (it would then wait for a responder). */
function validRequest(fields: Partial<KubeMQRequest> = {}): Partial<KubeMQRequest> {
  return {
    RequestTypeData: RequestType.Command,
    ClientID: 'validation-sender',
    Channel: uniqueChannel('req-validation'),
    Body: body,
    Timeout: 300,
    ...fields,
  };
}

describe('SendRequest validation (§4.1)', () => {
  it('checks the request type before anything else (Error 206)', async () => {
    // Everything else is invalid too: 206 must still win.
    await expectCallError(env.client.sendRequest({}), status.INTERNAL, E.invalidRequestType);
    await expectCallError(
      env.client.sendRequest({ ...validRequest(), RequestTypeData: 3 }),
      status.INTERNAL,
      E.invalidRequestType,
    );
  });

  it('rejects an empty ClientID first among the fields (Error 101)', async () => {
    await expectCallError(
      env.client.sendRequest(validRequest({ ClientID: '', Channel: '', Timeout: 0 })),
      status.INTERNAL,
      E.emptyClientId,
    );
  });

  it('rejects an empty channel (Error 102)', async () => {
    await expectCallError(
      env.client.sendRequest(validRequest({ Channel: '', Timeout: 0 })),
      status.INTERNAL,
      E.emptyChannel,
    );
  });

  it('rejects a channel ending with a dot, before the space check (Error 119)', async () => {
    await expectCallError(
      env.client.sendRequest(validRequest({ Channel: 'a b.' })),
      status.INTERNAL,
      E.channelEndsWithDot,
    );
  });

  it('rejects a channel with a space, before the wildcard check (Error 108)', async () => {
    await expectCallError(
      env.client.sendRequest(validRequest({ Channel: 'a *' })),
      status.INTERNAL,
      E.whitespaceChannel,
    );
  });

  it('rejects wildcards in a send channel (Error 107)', async () => {
    for (const channel of ['orders.*', 'orders.>', 'a*b']) {
      await expectCallError(
        env.client.sendRequest(validRequest({ Channel: channel, Timeout: 0 })),
        status.INTERNAL,
        E.wildcardChannel,
      );
    }
  });

  it('rejects a zero or negative Timeout (Error 109)', async () => {
    for (const timeout of [0, -1]) {
      await expectCallError(
        env.client.sendRequest(validRequest({ Timeout: timeout, Body: Buffer.alloc(0) })),
        status.INTERNAL,
        E.invalidTimeout,
      );
    }
  });

  it('rejects a request with neither Metadata nor Body (Error 115)', async () => {
    await expectCallError(
      env.client.sendRequest(
        validRequest({ Body: Buffer.alloc(0), Metadata: '', CacheKey: 'k', CacheTTL: 0 }),
      ),
      status.INTERNAL,
      E.emptyRequest,
    );
  });

  it('rejects a CacheKey without a positive CacheTTL (Error 116)', async () => {
    for (const ttl of [0, -5]) {
      await expectCallError(
        env.client.sendRequest(
          validRequest({ RequestTypeData: RequestType.Query, CacheKey: 'k', CacheTTL: ttl }),
        ),
        status.INTERNAL,
        E.invalidCacheTtl,
      );
    }
  });

  it('accepts Metadata without Body (then times out with no responder)', async () => {
    await expectCallError(
      env.client.sendRequest(validRequest({ Body: Buffer.alloc(0), Metadata: 'only-metadata' })),
      status.INTERNAL,
      E.requestTimeout,
    );
  });
});

describe('SendResponse validation (§4.3)', () => {
  const reply = {
    ClientID: 'validation-responder',
    RequestID: 'some-request',
    ReplyChannel: '_INBOX.not-waited-for',
  };

  it('rejects an empty ClientID (Error 101)', async () => {
    await expectCallError(
      env.client.sendResponse({ ...reply, ClientID: '', ReplyChannel: '', RequestID: '' }),
      status.INTERNAL,
      E.emptyClientId,
    );
  });

  it('rejects an empty ReplyChannel with the channel text (Error 102)', async () => {
    await expectCallError(
      env.client.sendResponse({ ...reply, ReplyChannel: '', RequestID: '' }),
      status.INTERNAL,
      E.emptyChannel,
    );
  });

  it('checks ReplyChannel like a send channel (Errors 119, 108, 107)', async () => {
    const cases: [string, string][] = [
      ['_INBOX.x.', E.channelEndsWithDot],
      ['_INBOX x', E.whitespaceChannel],
      ['_INBOX.*', E.wildcardChannel],
      ['_INBOX.>', E.wildcardChannel],
    ];
    for (const [replyChannel, text] of cases) {
      await expectCallError(
        env.client.sendResponse({ ...reply, ReplyChannel: replyChannel, RequestID: '' }),
        status.INTERNAL,
        text,
      );
    }
  });

  it('rejects an empty RequestID last (Error 117)', async () => {
    await expectCallError(
      env.client.sendResponse({ ...reply, RequestID: '' }),
      status.INTERNAL,
      E.emptyRequestId,
    );
  });

  it('answers OK for a valid response nobody waits for', async () => {
    assert.deepEqual(await env.client.sendResponse(reply), {});
  });
});

describe('SubscribeToRequests validation (§4.6)', () => {
  const subscribe = { SubscribeTypeData: SubscribeType.Commands, ClientID: 'validation-sub' };

  it('accepts only Commands or Queries as the subscribe type (Error 207)', async () => {
    for (const type of [
      SubscribeType.Undefined,
      SubscribeType.Events,
      SubscribeType.EventsStore,
      7,
    ]) {
      // Everything else is invalid too: 207 must still win.
      await expectStreamError(
        env.client.subscribeToRequests({ SubscribeTypeData: type }),
        status.INTERNAL,
        E.invalidSubscribeType,
      );
    }
  });

  it('rejects an empty ClientID (Error 101), then an empty channel (Error 102)', async () => {
    await expectStreamError(
      env.client.subscribeToRequests({ ...subscribe, ClientID: '', Channel: '' }),
      status.INTERNAL,
      E.emptyClientId,
    );
    await expectStreamError(
      env.client.subscribeToRequests({ ...subscribe, SubscribeTypeData: SubscribeType.Queries }),
      status.INTERNAL,
      E.emptyChannel,
    );
  });

  it('rejects a channel ending with a dot (119) or containing a space (108)', async () => {
    await expectStreamError(
      env.client.subscribeToRequests({ ...subscribe, Channel: 'a b.' }),
      status.INTERNAL,
      E.channelEndsWithDot,
    );
    await expectStreamError(
      env.client.subscribeToRequests({ ...subscribe, Channel: 'a b' }),
      status.INTERNAL,
      E.whitespaceChannel,
    );
  });

  it('accepts wildcard channels and keeps the stream open', async () => {
    const prefix = uniqueChannel('req-validation-wild');
    const streams = [`${prefix}.*`, `${prefix}.>`, `${prefix}.*.x`].map((channel) =>
      env.client.subscribeToRequests({ ...subscribe, Channel: channel, Group: 'any-group' }),
    );
    await delay(SUBSCRIBE_SETTLE_MS * 2);
    for (const stream of streams) {
      assert.equal(stream.isEnded, false, 'subscription still open');
      assert.equal(stream.received.length, 0, 'nothing sent before the first request');
      stream.cancel();
    }
  });
});
