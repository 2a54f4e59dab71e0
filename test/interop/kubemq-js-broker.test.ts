// Interop with the official KubeMQ Node SDK (kubemq-js 1.2.3) for commands
// and queries, as sender and as responder, against the broker under test.
// SDK quirks (§14): bodies go as Buffers (a string would be read as base64),
// and tags are left out (a Map breaks its serialization).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CommandsClient,
  QueriesClient,
  type CommandsReceiveMessage,
  type QueriesReceiveMessage,
} from 'kubemq-js';
import { KubeMQErrorText as E, RequestType, SubscribeType } from '../../lib';
import { startTestBroker, uniqueChannel, type TestBrokerHandle } from '../support/broker';
import {
  delay,
  grpcError,
  RawKubeMQClient,
  status,
  SUBSCRIBE_SETTLE_MS,
} from '../support/raw-kubemq-client';

let broker: TestBrokerHandle;
let raw: RawKubeMQClient;
const sdkClients: (CommandsClient | QueriesClient)[] = [];
const unsubscribes: (() => void)[] = [];

before(async () => {
  broker = await startTestBroker();
  raw = new RawKubeMQClient(broker.address);
});

after(async () => {
  // The SDK cancels a subscription stream on its next 1 s poll after
  // unsubscribe(); close() lets its channel go once that has happened.
  for (const unsubscribe of unsubscribes) unsubscribe();
  for (const client of sdkClients) client.close();
  raw.close();
  await broker.stop();
});

const sdkOptions = (clientId: string) => ({
  address: broker.address,
  clientId,
  reconnectInterval: 0,
  defaultRpcTimeout: 5000,
});

function commandsClient(clientId: string): CommandsClient {
  const client = new CommandsClient(sdkOptions(clientId));
  sdkClients.push(client);
  return client;
}

function queriesClient(clientId: string): QueriesClient {
  const client = new QueriesClient(sdkOptions(clientId));
  sdkClients.push(client);
  return client;
}

const bytes = (text: string): Buffer => Buffer.from(text);
const text = (body: Uint8Array | string | undefined): string =>
  typeof body === 'string' ? body : Buffer.from(body ?? []).toString();

/** An SDK commands responder: answers Executed (or the error `fail` returns). */
async function sdkCommandResponder(
  channel: string,
  fail: (msg: CommandsReceiveMessage) => string = () => '',
): Promise<CommandsReceiveMessage[]> {
  const client = commandsClient('sdk-command-responder');
  const received: CommandsReceiveMessage[] = [];
  const subscription = await client.subscribe({ channel }, (err, msg) => {
    if (err || !msg) return; // the stream's end on unsubscribe/stop
    received.push(msg);
    const error = fail(msg);
    void client
      .response({
        id: msg.id,
        replyChannel: msg.replyChannel,
        clientId: 'sdk-command-responder',
        executed: error === '',
        error,
        timestamp: Date.now(),
      })
      .catch(() => undefined);
  });
  unsubscribes.push(() => subscription.unsubscribe());
  await delay(SUBSCRIBE_SETTLE_MS);
  return received;
}

/** An SDK queries responder: answers with `reply:<request body>`. */
async function sdkQueryResponder(channel: string): Promise<QueriesReceiveMessage[]> {
  const client = queriesClient('sdk-query-responder');
  const received: QueriesReceiveMessage[] = [];
  const subscription = await client.subscribe({ channel }, (err, msg) => {
    if (err || !msg) return;
    received.push(msg);
    void client
      .response({
        id: msg.id,
        replyChannel: msg.replyChannel,
        clientId: 'sdk-query-responder',
        executed: true,
        error: '',
        timestamp: Date.now(),
        metadata: `answer-to:${msg.metadata}`,
        body: bytes(`reply:${text(msg.body)}`),
      })
      .catch(() => undefined);
  });
  unsubscribes.push(() => subscription.unsubscribe());
  await delay(SUBSCRIBE_SETTLE_MS);
  return received;
}

describe('kubemq-js sender → kubemq-js responder', () => {
  it('round-trips a command', async () => {
    const channel = uniqueChannel('sdk-sdk-command');
    const received = await sdkCommandResponder(channel);
    const sender = commandsClient('sdk-command-sender');
    const response = await sender.send({
      channel,
      metadata: 'command-metadata',
      body: bytes('do-it'),
      timeout: 5000,
    });
    assert.equal(response.executed, true);
    assert.equal(response.error, '');
    assert.equal(response.clientId, 'sdk-command-responder');
    assert.equal(received.length, 1);
    assert.equal(response.id, received[0].id);
    assert.equal(received[0].channel, channel);
    assert.equal(received[0].metadata, 'command-metadata');
    assert.equal(text(received[0].body), 'do-it');
    assert.notEqual(received[0].replyChannel, channel, 'the broker overwrote ReplyChannel');
  });

  it('round-trips a query with its answer body and metadata', async () => {
    const channel = uniqueChannel('sdk-sdk-query');
    await sdkQueryResponder(channel);
    const sender = queriesClient('sdk-query-sender');
    const response = await sender.send({
      channel,
      metadata: 'question',
      body: bytes('what'),
      timeout: 5000,
    });
    assert.equal(response.executed, true);
    assert.equal(response.metadata, 'answer-to:question');
    assert.equal(text(response.body), 'reply:what');
  });

  it('carries a responder error back as executed=false', async () => {
    const channel = uniqueChannel('sdk-sdk-error');
    await sdkCommandResponder(channel, () => 'cannot do it');
    const response = await commandsClient('sdk-error-sender').send({
      channel,
      metadata: 'm',
      body: bytes('x'),
      timeout: 5000,
    });
    assert.equal(response.executed, false);
    assert.equal(response.error, 'cannot do it');
  });

  it('fails an unanswered SDK request with Error 301', async () => {
    const error = await grpcError(
      commandsClient('sdk-timeout-sender').send({
        channel: uniqueChannel('sdk-nobody'),
        metadata: 'm',
        body: bytes('x'),
        timeout: 300,
      }),
    );
    assert.equal(error.code, status.INTERNAL);
    assert.equal(error.details, E.requestTimeout);
  });
});

describe('kubemq-js sender → raw gRPC responder', () => {
  it('serves an SDK command and an SDK query', async () => {
    const channel = uniqueChannel('sdk-raw');
    const commands = raw.serveRequests(
      { SubscribeTypeData: SubscribeType.Commands, ClientID: 'raw-responder', Channel: channel },
      () => ({ ClientID: 'raw-responder', Executed: true, Timestamp: String(Date.now()) }),
    );
    const queries = raw.serveRequests(
      { SubscribeTypeData: SubscribeType.Queries, ClientID: 'raw-responder', Channel: channel },
      (request) => ({
        ClientID: 'raw-responder',
        Executed: true,
        Metadata: 'raw-metadata',
        Body: Buffer.concat([bytes('raw:'), Buffer.from(request.Body)]),
      }),
    );
    await delay(SUBSCRIBE_SETTLE_MS);

    const command = await commandsClient('sdk-sender').send({
      channel,
      metadata: 'm',
      body: bytes('cmd'),
      timeout: 5000,
    });
    assert.equal(command.executed, true);
    assert.equal(command.clientId, 'raw-responder');
    const seen = await commands.nth(0);
    assert.equal(seen.ClientID, 'sdk-sender');
    assert.equal(seen.RequestTypeData, RequestType.Command);
    assert.equal(Buffer.from(seen.Body).toString(), 'cmd');
    assert.equal(command.id, seen.RequestID);

    const query = await queriesClient('sdk-sender').send({
      channel,
      metadata: 'm',
      body: bytes('qry'),
      timeout: 5000,
    });
    assert.equal(query.executed, true);
    assert.equal(query.metadata, 'raw-metadata');
    assert.equal(text(query.body), 'raw:qry');
    commands.cancel();
    queries.cancel();
  });
});

describe('raw gRPC sender → kubemq-js responder', () => {
  it('gets an SDK command answer', async () => {
    const channel = uniqueChannel('raw-sdk-command');
    const received = await sdkCommandResponder(channel);
    const response = await raw.sendRequest({
      RequestTypeData: RequestType.Command,
      ClientID: 'raw-sender',
      Channel: channel,
      Body: bytes('raw-command'),
      Timeout: 5000,
    });
    assert.equal(response.Executed, true);
    assert.equal(response.ClientID, 'sdk-command-responder');
    assert.match(response.RequestID, /^[0-9A-Za-z]{22}$/, 'the broker-made RequestID, echoed');
    assert.equal(text(received[0].body), 'raw-command');
  });

  it('gets an SDK query answer with its body', async () => {
    const channel = uniqueChannel('raw-sdk-query');
    await sdkQueryResponder(channel);
    const response = await raw.sendRequest({
      RequestTypeData: RequestType.Query,
      RequestID: 'raw-query-1',
      ClientID: 'raw-sender',
      Channel: channel,
      Metadata: 'q',
      Body: bytes('hello'),
      Timeout: 5000,
    });
    assert.equal(response.Executed, true);
    assert.equal(response.RequestID, 'raw-query-1');
    assert.equal(response.Metadata, 'answer-to:q');
    assert.equal(Buffer.from(response.Body).toString(), 'reply:hello');
  });
});
