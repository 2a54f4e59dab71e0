import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  KubeMQConnection,
  KubeMQError,
  RequestType,
  SubscribeType,
  type KubeMQRequest,
} from '../../lib';
import { makeRequest, makeSubscribe } from '../../lib/kubemq/messages';
import { startTestBroker, uniqueChannel, type TestBrokerHandle } from '../support/broker';
import { delay } from '../support/nest';
import { answerQueries } from '../support/query-responder';
import { freePort } from '../support/ports';

describe('KubeMQConnection (protocol layer, no Nest)', () => {
  let broker: TestBrokerHandle;
  let responder: KubeMQConnection;
  let sender: KubeMQConnection;

  before(async () => {
    broker = await startTestBroker();
    responder = new KubeMQConnection({ address: broker.address, clientId: 'proto-responder' });
    sender = new KubeMQConnection({
      address: broker.address,
      clientId: 'proto-sender',
      authToken: 'any-token',
    });
    await Promise.all([responder.connect(), sender.connect()]);
  });

  after(async () => {
    responder?.close();
    sender?.close();
    await broker?.stop();
  });

  it('connect() resolves with the Ping result; int64 fields stay strings', async () => {
    const ping = await sender.ping();
    assert.equal(typeof ping.Host, 'string');
    assert.equal(typeof ping.ServerStartTime, 'string');
    assert.match(ping.ServerStartTime, /^\d+$/);
    assert.ok(Number(ping.ServerStartTime) > 1_600_000_000, 'Unix seconds');
  });

  it('a request reaches a subscription and its response comes back (query: body kept)', async () => {
    const channel = uniqueChannel('proto-query');
    const seen: KubeMQRequest[] = [];
    const subscription = await answerQueries(responder, channel, (request) => {
      seen.push(request);
      return { Body: Buffer.from('pong'), Metadata: 'meta-back', Timestamp: String(Date.now()) };
    });
    try {
      const response = await sender.sendRequest(
        makeRequest({
          RequestTypeData: RequestType.Query,
          ClientID: sender.clientId,
          Channel: channel,
          Body: Buffer.from('ping'),
          Timeout: 3000,
          Tags: { k: 'v' },
        }),
      );
      assert.equal(response.Executed, true);
      assert.equal(Buffer.from(response.Body).toString(), 'pong');
      assert.equal(response.Metadata, 'meta-back');
      assert.equal(response.ClientID, 'proto-responder');
      assert.equal(seen.length, 1);
      assert.equal(seen[0].ClientID, 'proto-sender');
      assert.equal(seen[0].Tags.k, 'v');
      assert.equal(Buffer.from(seen[0].Body).toString(), 'ping');
    } finally {
      subscription.cancel();
    }
  });

  it('carries bodies larger than grpc-js 4 MiB default both ways', async () => {
    const channel = uniqueChannel('proto-large');
    const big = Buffer.alloc(6 * 1024 * 1024, 7);
    const subscription = await answerQueries(responder, channel, (request) => ({
      Body: request.Body,
    }));
    try {
      const response = await sender.sendRequest(
        makeRequest({
          RequestTypeData: RequestType.Query,
          ClientID: sender.clientId,
          Channel: channel,
          Body: big,
          Timeout: 10_000,
        }),
      );
      assert.equal(response.Body.length, big.length);
      assert.ok(Buffer.from(response.Body).equals(big));
    } finally {
      subscription.cancel();
    }
  });

  it('reports a refused subscription once, through onError, and does not retry', async () => {
    const errors: KubeMQError[] = [];
    let disconnects = 0;
    const subscription = responder.subscribeToRequests(
      makeSubscribe({
        SubscribeTypeData: SubscribeType.Commands,
        ClientID: responder.clientId,
        Channel: 'bad channel',
      }),
      {
        onMessage: () => assert.fail('no message expected'),
        onError: (error) => errors.push(error),
        onDisconnect: () => (disconnects += 1),
      },
    );
    for (let i = 0; i < 100 && errors.length === 0; i += 1) await delay(10);
    await delay(100);
    assert.equal(errors.length, 1);
    assert.equal(
      errors[0].message,
      'Error 108: invalid channel value, no white spaces are allowed',
    );
    assert.equal(errors[0].kubemqCode, 108);
    assert.equal(disconnects, 0);
    assert.equal(subscription.active, false);
  });

  it("fails a request with KubeMQ's own text when the broker refuses it", async () => {
    const error = await sender
      .sendRequest(
        makeRequest({
          RequestTypeData: RequestType.Command,
          ClientID: sender.clientId,
          Channel: uniqueChannel('x'),
          Timeout: 1000,
        }),
      )
      .catch((e: unknown) => e);
    assert.ok(error instanceof KubeMQError);
    assert.equal(error.message, 'Error 115: invalid request, cannot be empty');
    assert.equal(error.grpcCode, 13);
  });

  it('a closed connection fails calls at once, naming the address', async () => {
    const connection = new KubeMQConnection({ address: broker.address });
    await connection.connect();
    connection.close();
    await assert.rejects(
      connection.ping(),
      new RegExp(`connection to ${broker.address.replace(/[.[\]]/g, '\\$&')} is closed`),
    );
  });

  it('needs an address', () => {
    assert.throws(() => new KubeMQConnection({ address: '' }), /needs an address/);
  });

  it('connect() to nothing fails within the connect timeout, naming the address', async () => {
    const port = await freePort();
    const connection = new KubeMQConnection({ address: `127.0.0.1:${port}`, connectTimeout: 250 });
    try {
      await assert.rejects(
        connection.connect(),
        new RegExp(`Cannot connect to KubeMQ at 127.0.0.1:${port} within 250 ms`),
      );
    } finally {
      connection.close();
    }
  });
});
