import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller, type INestMicroservice } from '@nestjs/common';
import { Ctx, MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import { CommandsClient, QueriesClient } from 'kubemq-js';
import { type ClientKubeMQ, type KubeMQContext } from '../../lib';
import {
  EXTERNAL_ADDRESS,
  startTestBroker,
  uniqueChannel,
  type TestBrokerHandle,
} from '../support/broker';
import {
  connectedClient,
  delay,
  errorOf,
  firstReply,
  moduleWith,
  startMicroservice,
} from '../support/nest';

const ch = {
  text: uniqueChannel('hello-command'),
  query: uniqueChannel('sdk-query'),
  failing: uniqueChannel('sdk-failing'),
  sdkQueryResponder: uniqueChannel('sdk-query-responder'),
  sdkCommandResponder: uniqueChannel('sdk-command-responder'),
  sdkRefuses: uniqueChannel('sdk-refuses'),
};

const seen: Array<{ body: unknown; metadata: string; channel: string }> = [];

@Controller()
class NestHandlers {
  @MessagePattern(ch.text)
  text(@Payload() body: unknown, @Ctx() ctx: KubeMQContext) {
    seen.push({ body, metadata: ctx.getMetadata(), channel: ctx.getChannel() });
  }

  @MessagePattern(ch.query, { type: 'query' })
  query(@Payload() body: { id: number }) {
    return { id: body.id, found: true };
  }

  @MessagePattern(ch.failing)
  failing() {
    throw new RpcException('order is locked');
  }
}

/** Retries an SDK call while the Nest subscription may not be active yet (real broker only). */
async function sdkRetry<T>(call: () => Promise<T>): Promise<T> {
  const attempts = EXTERNAL_ADDRESS ? 5 : 1;
  for (let i = 1; ; i += 1) {
    try {
      return await call();
    } catch (error) {
      if (i >= attempts || !/301|timeout/i.test(String(error))) throw error;
    }
  }
}

describe('interop: the official kubemq-js SDK and Nest', () => {
  let broker: TestBrokerHandle;
  let app: INestMicroservice;
  let client: ClientKubeMQ;
  let sdkCommands: CommandsClient;
  let sdkQueries: QueriesClient;
  const unsubscribes: Array<() => void> = [];

  before(async () => {
    broker = await startTestBroker();
    ({ app } = await startMicroservice(moduleWith({ controllers: [NestHandlers] }), {
      address: broker.address,
      clientId: 'nest-responder',
    }));
    client = await connectedClient({ address: broker.address, clientId: 'nest-sender' });
    sdkCommands = new CommandsClient({
      address: broker.address,
      clientId: 'sdk-commands',
      reconnectInterval: 0,
    });
    sdkQueries = new QueriesClient({
      address: broker.address,
      clientId: 'sdk-queries',
      reconnectInterval: 0,
    });
  });

  after(async () => {
    for (const unsubscribe of unsubscribes) unsubscribe();
    sdkCommands?.close();
    sdkQueries?.close();
    client?.close();
    await app?.close();
    await broker?.stop();
  });

  /** Subscribes the SDK to a command channel and answers every command with `executed`/`error`. */
  async function answerCommandsWithSdk(channel: string, executed: boolean, error: string) {
    const subscription = await sdkCommands.subscribe({ channel }, (failure, request) => {
      if (failure || !request) return;
      void sdkCommands.response({
        id: request.id,
        replyChannel: request.replyChannel,
        clientId: 'sdk-commands',
        executed,
        error,
        timestamp: Date.now(),
      });
    });
    unsubscribes.push(() => subscription.unsubscribe());
    await delay(200);
  }

  it('a plain-text command from the SDK reaches the Nest handler as a string', async () => {
    const response = await sdkRetry(() =>
      sdkCommands.send({
        channel: ch.text,
        body: Buffer.from('some command'),
        metadata: 'some-metadata',
        timeout: 3000,
      }),
    );
    assert.equal(response.executed, true);
    assert.equal(response.clientId, 'nest-responder');
    assert.equal(response.error, '');
    assert.ok(response.timestamp > 0);
    const received = seen.find((s) => s.channel === ch.text);
    assert.deepEqual(received, {
      body: 'some command',
      metadata: 'some-metadata',
      channel: ch.text,
    });
  });

  it("a JSON query from the SDK gets the Nest handler's value as JSON bytes", async () => {
    const response = await sdkRetry(() =>
      sdkQueries.send({
        channel: ch.query,
        body: Buffer.from(JSON.stringify({ id: 9 })),
        timeout: 3000,
      }),
    );
    assert.equal(response.executed, true);
    assert.deepEqual(JSON.parse(Buffer.from(response.body as Uint8Array).toString('utf8')), {
      id: 9,
      found: true,
    });
  });

  it('a failing Nest handler gives the SDK executed=false and a readable error', async () => {
    const response = await sdkRetry(() =>
      sdkCommands.send({ channel: ch.failing, body: Buffer.from('{}'), timeout: 3000 }),
    );
    assert.equal(response.executed, false);
    assert.equal(response.error, 'order is locked');
  });

  it('ClientKubeMQ gets an answer from an SDK query responder', async () => {
    const subscription = await sdkQueries.subscribe(
      { channel: ch.sdkQueryResponder },
      (error, request) => {
        if (error || !request) return;
        const asked = JSON.parse(Buffer.from(request.body as Uint8Array).toString('utf8')) as {
          n: number;
        };
        void sdkQueries.response({
          id: request.id,
          replyChannel: request.replyChannel,
          clientId: 'sdk-queries',
          executed: true,
          error: '',
          timestamp: Date.now(),
          metadata: 'answered',
          body: Buffer.from(JSON.stringify({ square: asked.n * asked.n })),
        } as Parameters<QueriesClient['response']>[0]);
      },
    );
    unsubscribes.push(() => subscription.unsubscribe());
    await delay(200);
    const answer = await firstReply(() => client.query(ch.sdkQueryResponder, { n: 12 }));
    assert.deepEqual(answer, { square: 144 });
  });

  it('ClientKubeMQ gets the acknowledgement of an SDK command responder', async () => {
    await answerCommandsWithSdk(ch.sdkCommandResponder, true, '');
    const before = Date.now();
    const ack = await firstReply(() => client.command(ch.sdkCommandResponder, { do: 'it' }));
    assert.equal(ack.executed, true);
    assert.equal(ack.clientId, 'sdk-commands');
    assert.ok(
      Math.abs(ack.executedAt.getTime() - before) < 60_000,
      'ms timestamp read as a date near now',
    );
  });

  it("an SDK responder's executed=false reaches ClientKubeMQ as { status, message }", async () => {
    await answerCommandsWithSdk(ch.sdkRefuses, false, 'insufficient funds');
    const error = await errorOf(client.command(ch.sdkRefuses, { amount: 10 }));
    assert.deepEqual(error, { status: 'error', message: 'insufficient funds' });
  });
});
