// Peers that misbehave, and messages that do not fit: a responder that answers twice, a
// response nobody asked for, messages over maxMessageBytes both ways, and handler extras of the
// wrong type. Each gives a clear error or a dropped message with one log line, never a hang.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller, type INestMicroservice, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { ClientKubeMQ, KubeMQError, RequestType, ServerKubeMQ, SubscribeType } from '../../lib';
import { startTestBroker, uniqueChannel, type TestBrokerHandle } from '../support/broker';
import { connectedClient, errorOf, firstReply, moduleWith } from '../support/nest';
import { RawKubeMQClient, delay, SUBSCRIBE_SETTLE_MS } from '../support/raw-kubemq-client';

const LIMIT = 64 * 1024;
const echoChannel = uniqueChannel('limited-query');

@Controller()
class LimitedController {
  @MessagePattern(echoChannel, { type: 'query' })
  echo(@Payload() data: unknown) {
    return typeof data === 'string' ? data.length : 'other';
  }
}

function recordingLogger(lines: string[]): LoggerService {
  const keep = (message: unknown) => void lines.push(String(message));
  return { log: keep, error: keep, warn: keep, debug: keep, verbose: keep, fatal: keep };
}

let broker: TestBrokerHandle;
let raw: RawKubeMQClient;
before(async () => {
  broker = await startTestBroker();
  raw = new RawKubeMQClient(broker.address);
});
after(async () => {
  raw?.close();
  await broker?.stop();
});

describe('misbehaving responders', () => {
  let client: ClientKubeMQ;
  before(async () => {
    client = await connectedClient({ address: broker.address });
  });
  after(() => client?.close());

  it('a responder that answers twice: the caller gets the first answer once, and carries on', async () => {
    const channel = uniqueChannel('twice');
    const responder = raw.subscribeToRequests({
      SubscribeTypeData: SubscribeType.Queries,
      ClientID: 'twice-responder',
      Channel: channel,
    });
    responder.onMessage(async (request) => {
      // One after the other: the broker routes the first and drops the second.
      for (const text of ['"first"', '"second"']) {
        await raw
          .sendResponse({
            ClientID: 'twice-responder',
            RequestID: request.RequestID,
            ReplyChannel: request.ReplyChannel,
            Executed: true,
            Body: Buffer.from(text),
          })
          .catch(() => undefined);
      }
    });
    await delay(SUBSCRIBE_SETTLE_MS);
    const values: unknown[] = [];
    await new Promise<void>((resolve, reject) =>
      client.query(channel, 'q').subscribe({
        next: (value) => values.push(value),
        error: reject,
        complete: resolve,
      }),
    );
    assert.deepEqual(values, ['first']);
    assert.equal(await firstReply(() => client.query(channel, 'again')), 'first');
    responder.cancel();
  });

  it('a response for an unknown request is accepted by the broker and changes nothing', async () => {
    await raw.sendResponse({
      ClientID: 'stranger',
      RequestID: 'never-sent',
      ReplyChannel: '_INBOX.aaaaaaaaaaaaaaaaaaaaaa.bbbbbbbb',
      Executed: true,
    });
    const error = await errorOf(client.query(uniqueChannel('nobody'), 'q', { timeout: 300 }));
    assert.ok((error as KubeMQError).isTimeout, 'an unrelated request still times out normally');
  });
});

describe(`messages over maxMessageBytes (${LIMIT} bytes)`, () => {
  let app: INestMicroservice;
  const lines: string[] = [];

  before(async () => {
    app = await NestFactory.createMicroservice(moduleWith({ controllers: [LimitedController] }), {
      strategy: new ServerKubeMQ({
        address: broker.address,
        maxMessageBytes: LIMIT,
        reconnectDelay: 50,
      }),
      logger: recordingLogger(lines),
    });
    await app.listen();
    await delay(SUBSCRIBE_SETTLE_MS);
  });
  after(async () => {
    await app?.close();
  });

  it('a client refuses to send one, naming the channel', async () => {
    const client = await connectedClient({ address: broker.address, maxMessageBytes: LIMIT });
    try {
      const error = await errorOf(client.query(echoChannel, 'x'.repeat(2 * LIMIT)));
      assert.ok(error instanceof KubeMQError);
      assert.match(error.message, new RegExp(`"${echoChannel}"`));
      assert.match(error.message, /larger than 65536 \(see maxMessageBytes\)/);
    } finally {
      client.close();
    }
  });

  it('a server drops one it receives, logs one line, and goes on serving', async () => {
    const big = await raw
      .sendRequest({
        RequestTypeData: RequestType.Query,
        ClientID: 'big-sender',
        Channel: echoChannel,
        Body: Buffer.alloc(2 * LIMIT, 0x61),
        Timeout: 1000,
      })
      .then(
        () => 'answered',
        (error: Error) => error.message,
      );
    assert.match(big, /Error 301/, 'the sender of the dropped request times out');
    let reply: unknown;
    for (let i = 0; i < 20 && reply === undefined; i += 1) {
      reply = await raw
        .sendRequest({
          RequestTypeData: RequestType.Query,
          ClientID: 'small-sender',
          Channel: echoChannel,
          Body: Buffer.from('"small"'),
          Timeout: 1000,
        })
        .then((response) => JSON.parse(Buffer.from(response.Body).toString()) as unknown)
        .catch(() => undefined);
    }
    assert.equal(reply, 5, 'the server still answers');
    const about = lines.filter((line) => /larger than/.test(line));
    assert.equal(about.length, 1, `one log line about it: ${JSON.stringify(lines)}`);
    assert.match(about[0], new RegExp(`"${echoChannel}"`));
  });
});

describe('handler extras of the wrong type', () => {
  for (const [what, extras, expected] of [
    ['a numeric type', { type: 42 }, /type must be 'command', 'query', got 42/],
    ['a numeric group', { group: 7 }, /group must be a string, got 7/],
  ] as const) {
    it(`${what} fails listen(), naming the handler`, async () => {
      const channel = uniqueChannel('bad-extras');
      @Controller()
      class BadExtras {
        @MessagePattern(channel, extras as unknown as Record<string, unknown>)
        handle() {
          return 1;
        }
      }
      const app = await NestFactory.createMicroservice(moduleWith({ controllers: [BadExtras] }), {
        strategy: new ServerKubeMQ({ address: broker.address }),
        logger: false,
      });
      const error = await app.listen().then(
        () => assert.fail('listen() should have failed'),
        (e: unknown) => e as Error,
      );
      assert.match(error.message, new RegExp(`@MessagePattern\\('${channel}'\\)`));
      assert.match(error.message, expected);
      await app.close();
    });
  }

  it('an unknown @EventPattern type fails listen(), naming the handler', async () => {
    const channel = uniqueChannel('bad-event-type');
    @Controller()
    class BadEvent {
      @EventPattern(channel, { type: 'stream' })
      handle(@Payload() data: unknown) {
        return data;
      }
    }
    const app = await NestFactory.createMicroservice(moduleWith({ controllers: [BadEvent] }), {
      strategy: new ServerKubeMQ({ address: broker.address }),
      logger: false,
    });
    const error = await app.listen().then(
      () => assert.fail('listen() should have failed'),
      (e: unknown) => e as Error,
    );
    assert.match(error.message, new RegExp(`@EventPattern\\('${channel}'\\): type must be`));
    await app.close();
  });
});
