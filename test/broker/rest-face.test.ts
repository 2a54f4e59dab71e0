// Conformance of the REST face (§8.1) and the API face (§8.2): envelope, JSON shapes,
// echo's bind errors, router errors and the KubeMQ validation texts over HTTP. Runs against
// the in-process broker, or a real server's faces with KUBEMQ_REST_ADDRESS/KUBEMQ_API_ADDRESS.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KubeMQErrorText as E } from '../../lib/kubemq/errors';
import { uniqueChannel } from '../support/broker';
import {
  b64,
  get,
  NEEDS_API,
  NEEDS_REST,
  post,
  startRestBroker,
  Subscription,
  type Envelope,
  type RestBroker,
} from './rest-helpers';

let broker: RestBroker;

before(async () => {
  if (!NEEDS_REST) broker = await startRestBroker();
});

after(async () => {
  await broker?.stop();
});

/** A valid command request to `channel`, with `fields` applied. */
function command(channel: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    RequestTypeData: 1,
    ClientID: 'rest-sender',
    Channel: channel,
    Body: b64('ping'),
    Timeout: 3000,
    ...fields,
  };
}

async function expectError(
  path: string,
  body: unknown,
  message: string | RegExp,
  contentType?: string | null,
): Promise<void> {
  const res = await post(`${broker.rest}${path}`, body, contentType);
  assert.equal(res.status, 400, res.text);
  const envelope = res.json as Envelope;
  assert.equal(envelope.is_error, true);
  assert.equal(envelope.data, null);
  if (typeof message === 'string') assert.equal(envelope.message, message);
  else assert.match(envelope.message, message);
}

describe('REST face: envelope and routes (§8.1)', { skip: NEEDS_REST }, () => {
  it('GET / answers plain text "hi"', async () => {
    const res = await get(`${broker.rest}/`);
    assert.equal(res.status, 200);
    assert.equal(res.text, 'hi');
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
  });

  it('GET /ping: the envelope, pretty-printed with tabs, int64 fields as JSON numbers', async () => {
    const res = await get(`${broker.rest}/ping`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.ok(res.headers.get('broker'), 'Broker header');
    assert.match(res.headers.get('x-powered-by') ?? '', /^KubeMQ /);
    assert.ok(
      res.text.startsWith('{\n\t"is_error": false,\n\t"message": "OK",\n\t"data": {\n\t\t"Host": '),
    );
    const { data } = res.json as Envelope<Record<string, unknown>>;
    assert.equal(typeof data.Host, 'string');
    assert.equal(typeof data.ServerStartTime, 'number');
    assert.ok(Math.abs((data.ServerStartTime as number) - Date.now() / 1000) < 86_400 * 365);
  });

  it('unknown routes are 404 {"error_code":404,...}; a wrong method is 405', async () => {
    const missing = await get(`${broker.rest}/no/such/route`);
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.json, { error_code: 404, message: 'Not Found' });
    const wrongMethod = await get(`${broker.rest}/send/request`);
    assert.equal(wrongMethod.status, 405);
    assert.deepEqual(wrongMethod.json, { error_code: 405, message: 'Method Not Allowed' });
  });

  it("a body without Content-Type: application/json is refused with echo's 415 text", async () => {
    await expectError(
      '/send/request',
      command('x'),
      'code=415, message=Unsupported Media Type',
      null,
    );
    await expectError(
      '/send/request',
      command('x'),
      'code=415, message=Unsupported Media Type',
      'text/plain',
    );
  });

  it("malformed JSON: code=400, message=Syntax error: offset=N, error=Go's text", async () => {
    await expectError(
      '/send/request',
      '{"Channel": x}',
      /^code=400, message=Syntax error: offset=13, error=invalid character 'x' looking for beginning of value/,
    );
    await expectError(
      '/send/event',
      '{"Channel" "x"}',
      /^code=400, message=Syntax error: offset=12, error=invalid character '"' after object key/,
    );
  });

  it('a JSON value of the wrong type is echo\'s "Unmarshal type error"; enums must be numbers', async () => {
    await expectError(
      '/send/request',
      { ...command('x'), RequestTypeData: 'Command' },
      /^code=400, message=Unmarshal type error: expected=\S+, got=string, field=RequestTypeData, offset=\d+/,
    );
    await expectError(
      '/send/request',
      { ...command('x'), Timeout: '1000' },
      /^code=400, message=Unmarshal type error: expected=int32, got=string, field=Timeout, offset=\d+/,
    );
  });

  it('a body that is not valid base64 is refused', async () => {
    await expectError(
      '/send/event',
      { ClientID: 'c', Channel: 'x', Body: 'not base64!' },
      /illegal base64 data at input byte \d+/,
    );
  });

  it('input keys match case-insensitively and unknown keys are ignored', async () => {
    const res = await post(`${broker.rest}/send/event`, {
      clientid: 'rest-sender',
      CHANNEL: uniqueChannel('rest-case'),
      body: b64('hi'),
      Id: 'ignored',
      Whatever: [1, 2, 3],
    });
    assert.equal(res.status, 200, res.text);
    const { data } = res.json as Envelope<Record<string, unknown>>;
    assert.equal(data.Sent, true);
    assert.match(String(data.EventID), /^[0-9A-Za-z]{22}$/, 'a generated EventID, not "ignored"');
    assert.deepEqual(Object.keys(data), ['EventID', 'Sent'], 'omitempty: no empty Error');
  });
});

describe(
  "REST face: KubeMQ validation over HTTP (HTTP 400, the server's texts)",
  { skip: NEEDS_REST },
  () => {
    it('POST /send/request', async () => {
      await expectError('/send/request', {}, E.invalidRequestType);
      await expectError(
        '/send/request',
        command('x', { RequestTypeData: 3 }),
        E.invalidRequestType,
      );
      await expectError('/send/request', command('x', { ClientID: '' }), E.emptyClientId);
      await expectError('/send/request', command(''), E.emptyChannel);
      await expectError('/send/request', command('a b'), E.whitespaceChannel);
      await expectError('/send/request', command('a.*'), E.wildcardChannel);
      await expectError('/send/request', command('x', { Timeout: 0 }), E.invalidTimeout);
      await expectError('/send/request', command('x', { Body: '' }), E.emptyRequest);
    });

    it('POST /send/request with no responder fails with Error 301 after its Timeout', async () => {
      const started = Date.now();
      await expectError(
        '/send/request',
        command(uniqueChannel('rest-nobody'), { Timeout: 400 }),
        E.requestTimeout,
      );
      assert.ok(Date.now() - started >= 380, 'waited for the Timeout');
    });

    it('POST /send/response', async () => {
      const ok = { ClientID: 'r', RequestID: 'id-1', ReplyChannel: 'nobody.waits', Executed: true };
      await expectError('/send/response', { ...ok, ClientID: '' }, E.emptyClientId);
      await expectError('/send/response', { ...ok, ReplyChannel: '' }, E.emptyChannel);
      await expectError('/send/response', { ...ok, RequestID: '' }, E.emptyRequestId);
      // Valid but nobody waits: OK, data null (dropped, as on the real server).
      const res = await post(`${broker.rest}/send/response`, ok);
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.json, { is_error: false, message: 'OK', data: null });
    });

    it('POST /send/event', async () => {
      await expectError('/send/event', { Channel: 'x', Body: b64('a') }, E.emptyClientId);
      await expectError('/send/event', { ClientID: 'c', Body: b64('a') }, E.emptyChannel);
      await expectError('/send/event', { ClientID: 'c', Channel: 'x' }, E.emptyMessage);
    });

    it('GET /subscribe/requests refuses bad parameters with a plain HTTP 400 before the upgrade', async () => {
      const cases: Array<[Record<string, string>, string]> = [
        [{ client_id: 'c', channel: 'x' }, E.invalidSubscribeType],
        [{ client_id: 'c', channel: 'x', subscribe_type: 'events' }, E.invalidSubscribeType],
        [{ client_id: '', channel: 'x', subscribe_type: 'commands' }, E.emptyClientId],
        [{ client_id: 'c', channel: '', subscribe_type: 'queries' }, E.emptyChannel],
        [{ client_id: 'c', channel: 'x.', subscribe_type: 'queries' }, E.channelEndsWithDot],
      ];
      for (const [params, text] of cases) {
        const refusal = await Subscription.open(broker.ws, 'requests', params).then(
          (s) => {
            s.close();
            assert.fail(`subscription ${JSON.stringify(params)} should have been refused`);
          },
          (error: { status?: number; body?: string }) => error,
        );
        assert.equal(refusal.status, 400);
        assert.deepEqual(JSON.parse(refusal.body ?? ''), {
          is_error: true,
          message: text,
          data: null,
        });
      }
    });

    it('GET /subscribe/requests without a WebSocket handshake: valid parameters, then a 400', async () => {
      const res = await get(
        `${broker.rest}/subscribe/requests?client_id=c&channel=plain-get&subscribe_type=commands`,
      );
      assert.equal(res.status, 400);
      assert.match(res.text, /^Bad Request\n/);
      assert.match(res.text, /not using the websocket protocol/);
    });
  },
);

describe('API face (§8.2)', { skip: NEEDS_REST || NEEDS_API }, () => {
  it('GET /health answers plain text "healthy"', async () => {
    const res = await get(`${broker.api}/health`);
    assert.equal(res.status, 200);
    assert.equal(res.text, 'healthy');
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
  });

  it('GET /ready answers {"is_healthy":true,"is_ready":true}', async () => {
    const res = await get(`${broker.api}/ready`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, { is_healthy: true, is_ready: true });
  });
});
