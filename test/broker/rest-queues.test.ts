// The REST face's queue routes (§8.1): /queue/send, /queue/send_batch,
// /queue/receive, /queue/ack_all, GET /queue/info (JSON body) and the
// WebSocket /queue/stream, on the same queues as gRPC.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { KubeMQErrorText as E } from '../../lib/kubemq/errors';
import { uniqueChannel } from '../support/broker';
import { RawKubeMQClient, within } from '../support/raw-kubemq-client';
import { deliveries, RawQueueClient } from '../support/raw-queue-client';
import {
  b64,
  get,
  NEEDS_REST,
  post,
  startRestBroker,
  type Envelope,
  type RestBroker,
} from './rest-helpers';

let broker: RestBroker;
let raw: RawKubeMQClient;
let queues: RawQueueClient;

before(async () => {
  if (NEEDS_REST) return;
  broker = await startRestBroker();
  raw = new RawKubeMQClient(broker.grpc);
  queues = new RawQueueClient(raw);
});

after(async () => {
  raw?.close();
  await broker?.stop();
});

type Data = Record<string, unknown>;

async function postData(path: string, body: unknown): Promise<[number, Envelope<Data>]> {
  const response = await post(`${broker.rest}${path}`, body);
  return [response.status, response.json as Envelope<Data>];
}

/** GET with a JSON body: the server binds /queue/info's body, not its query. */
function getWithBody(path: string, body: unknown): Promise<Envelope<Data>> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const headers = {
      'Content-Type': 'application/json',
      'Content-Length': String(Buffer.byteLength(payload)),
    };
    const req = httpRequest(`${broker.rest}${path}`, { method: 'GET', headers }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk));
      res.on('end', () => resolve(JSON.parse(text) as Envelope<Data>));
    });
    req.once('error', reject);
    req.end(payload);
  });
}

describe('REST queue routes', { skip: NEEDS_REST, concurrency: true }, () => {
  it('sends, with in-band validation and publish errors', async () => {
    const channel = uniqueChannel('rest-q');
    const [status, sent] = await postData('/queue/send', {
      ClientID: 'c',
      Channel: channel,
      Body: b64('hi'),
      Tags: { k: 'v' },
    });
    assert.equal(status, 200);
    assert.deepEqual([sent.is_error, sent.message], [false, 'OK']);
    assert.match(String(sent.data.MessageID), /^[0-9A-Za-z]{22}$/);
    assert.equal(typeof sent.data.SentAt, 'number');
    assert.equal('IsError' in sent.data, false, 'omitempty');
    for (const [fields, error] of [
      [{ ClientID: '', Channel: channel }, E.emptyClientId],
      [{ ClientID: 'c', Channel: 'a..b', Body: b64('x') }, E.stanInvalidPublish],
    ] as const) {
      const [code, refused] = await postData('/queue/send', fields);
      assert.deepEqual(
        [code, refused.is_error, refused.data.IsError, refused.data.Error],
        [200, false, true, error],
      );
    }
    const [message] = (await queues.receive({ Channel: channel, MaxNumberOfMessages: 1 })).Messages;
    assert.deepEqual([Buffer.from(message.Body).toString(), message.Tags], ['hi', { k: 'v' }]);
  });

  it('sends batches; an empty one is an HTTP 400', async () => {
    const channel = uniqueChannel('rest-q');
    const [status, empty] = await postData('/queue/send_batch', { BatchID: 'b', Messages: [] });
    assert.deepEqual(
      [status, empty.is_error, empty.message, empty.data],
      [400, true, E.noMessagesToSend, null],
    );
    const [, batch] = await postData('/queue/send_batch', {
      BatchID: 'b1',
      Messages: [
        { ClientID: 'c', Channel: channel, Metadata: 'm' },
        { Channel: channel, Metadata: 'm' },
      ],
    });
    const results = batch.data.Results as Data[];
    assert.equal(batch.data.BatchID, 'b1');
    assert.deepEqual(
      results.map((r) => r.Error ?? ''),
      ['', E.emptyClientId],
    );
    assert.equal('HaveErrors' in batch.data, false);
  });

  it('receives (peek and pull) with nested attributes and policy, and acks all', async () => {
    const channel = uniqueChannel('rest-q');
    await queues.send({ Channel: channel, Body: Buffer.from('1') });
    await queues.send({ Channel: channel, Metadata: 'm2', Body: Buffer.alloc(0) });
    const [, peek] = await postData('/queue/receive', {
      ClientID: 'c',
      Channel: channel,
      MaxNumberOfMessages: 2,
      WaitTimeSeconds: 1,
      IsPeak: true,
    });
    const messages = peek.data.Messages as Data[];
    assert.deepEqual([peek.data.MessagesReceived, peek.data.IsPeak], [2, true]);
    assert.equal(messages[0].Body, b64('1'));
    assert.equal('Metadata' in messages[0], false, 'omitempty');
    assert.equal(messages[1].Metadata, 'm2');
    assert.equal('Body' in messages[1], false);
    const attributes = messages[0].Attributes as Data;
    assert.deepEqual(
      [attributes.Sequence, attributes.ReceiveCount, 'MD5OfBody' in attributes],
      [1, 1, false],
    );
    assert.deepEqual(messages[0].Policy, { MaxReceiveCount: 1024 });
    const [, invalid] = await postData('/queue/receive', { ClientID: 'c', Channel: channel });
    assert.deepEqual([invalid.data.IsError, invalid.data.Error], [true, E.invalidMaxMessages]);
    const [, acked] = await postData('/queue/ack_all', {
      ClientID: 'c',
      Channel: channel,
      WaitTimeSeconds: 1,
    });
    assert.equal(acked.data.AffectedMessages, 2);
    assert.deepEqual(await queues.peekBodies(channel), []);
  });

  it('reports queues from the JSON body of GET /queue/info', async () => {
    const channel = uniqueChannel('rest-q');
    await queues.sendBodies(channel, ['a', 'b']);
    const info = await getWithBody('/queue/info', { RequestID: 'r', QueueName: channel });
    assert.equal(info.data.RefRequestID, 'r');
    const summary = info.data.Info as Data;
    const [queue] = summary.Queues as Data[];
    assert.deepEqual(
      [summary.TotalQueue, queue.Name, queue.Messages, queue.FirstSequence, queue.LastSequence],
      [1, channel, 2, 1, 2],
    );
  });

  it('refuses a plain GET of /queue/stream like any WebSocket route', async () => {
    const response = await get(`${broker.rest}/queue/stream`);
    assert.equal(response.status, 400);
    assert.match(response.text, /^Bad Request\n/);
    assert.match(response.text, /the client is not using the websocket protocol/);
  });
});

describe('REST WebSocket /queue/stream', { skip: NEEDS_REST }, () => {
  it('runs one transaction per socket, then drops the connection', async () => {
    const channel = uniqueChannel('rest-qs');
    await queues.sendBodies(channel, ['1', '2']);
    const ws = new WebSocket(`${broker.ws}/queue/stream`);
    const frames: Data[] = [];
    let wake: () => void = () => undefined;
    ws.on('message', (data) => {
      frames.push(JSON.parse(String(data)) as Data);
      wake();
    });
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    const frame = async (index: number): Promise<Data> => {
      while (frames.length <= index) {
        await within(new Promise<void>((resolve) => (wake = resolve)), 5000, `frame ${index}`);
      }
      return frames[index];
    };
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(
      JSON.stringify({
        ClientID: '',
        StreamRequestTypeData: 1,
        Channel: channel,
        RequestID: 'bad',
      }),
    );
    ws.send('not a request');
    ws.send(
      JSON.stringify({
        ClientID: 'c',
        StreamRequestTypeData: 1,
        Channel: channel,
        WaitTimeSeconds: 1,
        RequestID: 'r1',
      }),
    );
    assert.deepEqual(await frame(0), {
      RequestID: 'bad',
      StreamRequestTypeData: 1,
      IsError: true,
      Error: E.emptyClientId,
    });
    const got = await frame(1);
    const message = got.Message as Data;
    assert.deepEqual(
      [got.RequestID, message.Body, (message.Attributes as Data).Sequence],
      ['r1', b64('1'), 1],
    );
    ws.send(
      JSON.stringify({ ClientID: 'c', StreamRequestTypeData: 2, RefSequence: 1, RequestID: 'ack' }),
    );
    assert.deepEqual(await frame(2), { RequestID: 'ack', StreamRequestTypeData: 2 });
    assert.equal(await within(closed, 5000, 'the socket to close'), 1006);
    const rest = await queues.receive({ Channel: channel });
    assert.deepEqual(deliveries(rest.Messages), ['2#2/rc1']);
  });
});
