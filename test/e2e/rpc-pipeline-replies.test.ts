import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller, type INestMicroservice } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { interval, of, take, map } from 'rxjs';
import {
  ClientKubeMQ,
  KubeMQContext,
  KubeMQRecordBuilder,
  type KubeMQCommandResponse,
} from '../../lib';
import { startTestBroker, uniqueChannel, type TestBrokerHandle } from '../support/broker';
import { connectedClient, firstReply, moduleWith, startMicroservice } from '../support/nest';

// Commands and queries through the Nest pipeline: what the caller gets back (acknowledgements,
// every kind of result, object patterns) and what the handler's context holds.

const ch = {
  hello: uniqueChannel('hello-command'),
  object: uniqueChannel('q-object'),
  string: uniqueChannel('q-string'),
  number: uniqueChannel('q-number'),
  buffer: uniqueChannel('q-buffer'),
  observable: uniqueChannel('q-observable'),
  echo: uniqueChannel('q-echo'),
  context: uniqueChannel('q-context'),
  objectService: uniqueChannel('math'),
};

const received: Array<{
  data: unknown;
  channel: string;
  requestId: string;
  clientId: string;
  type: string;
}> = [];

@Controller()
class RpcController {
  @MessagePattern(ch.hello)
  hello(@Payload() data: unknown, @Ctx() ctx: KubeMQContext): void {
    received.push({
      data,
      channel: ctx.getChannel(),
      requestId: ctx.getRequestId(),
      clientId: ctx.getClientId(),
      type: ctx.getType(),
    });
  }

  @MessagePattern(ch.object, { type: 'query' })
  object(@Payload() data: { id: number }) {
    return { id: data.id, name: `user-${data.id}`, tags: ['a', 'b'] };
  }

  @MessagePattern(ch.string, { type: 'query' })
  string(): string {
    return 'plain text';
  }

  @MessagePattern(ch.number, { type: 'query' })
  number(@Payload() data: number): number {
    return data * 2;
  }

  @MessagePattern(ch.buffer, { type: 'query' })
  buffer(): Buffer {
    return Buffer.from([0, 1, 2, 250, 255]);
  }

  @MessagePattern(ch.observable, { type: 'query' })
  observable() {
    return interval(5).pipe(
      take(3),
      map((i) => `value-${i}`),
    );
  }

  @MessagePattern(ch.echo, { type: 'query' })
  async echo(@Payload() data: unknown) {
    return of(data);
  }

  @MessagePattern({ service: ch.objectService, cmd: 'sum' }, { type: 'query' })
  sum(@Payload() numbers: number[], @Ctx() ctx: KubeMQContext) {
    return { sum: numbers.reduce((a, b) => a + b, 0), channel: ctx.getChannel() };
  }

  @MessagePattern(ch.context, { type: 'query' })
  context(@Ctx() ctx: KubeMQContext) {
    return {
      type: ctx.getType(),
      channel: ctx.getChannel(),
      pattern: ctx.getPattern(),
      metadata: ctx.getMetadata(),
      tags: ctx.getTags(),
      timeout: ctx.getTimeout(),
      replyChannelSet: ctx.getReplyChannel().length > 0,
      requestId: ctx.getRequestId(),
    };
  }
}

describe('commands and queries through the Nest pipeline: replies', () => {
  let broker: TestBrokerHandle;
  let app: INestMicroservice;
  let client: ClientKubeMQ;

  before(async () => {
    broker = await startTestBroker();
    ({ app } = await startMicroservice(moduleWith({ controllers: [RpcController] }), {
      address: broker.address,
      clientId: 'rpc-pipeline-server',
    }));
    client = await connectedClient({ address: broker.address, clientId: 'rpc-pipeline-client' });
  });

  after(async () => {
    client?.close();
    await app?.close();
    await broker?.stop();
  });

  it('answers a command and reports who executed it', async () => {
    const before = Date.now();
    const ack = await firstReply(() =>
      client.send<KubeMQCommandResponse>(ch.hello, { greeting: 'hi' }),
    );
    assert.equal(ack.executed, true);
    assert.equal(ack.clientId, 'rpc-pipeline-server');
    assert.match(ack.requestId, /^[0-9A-Za-z]{22}$/);
    assert.ok(ack.executedAt instanceof Date);
    assert.ok(Math.abs(ack.executedAt.getTime() - before) < 60_000, 'executedAt is about now');
    const seen = received.find((r) => r.requestId === ack.requestId);
    assert.ok(seen, 'the handler saw the request');
    assert.deepEqual(seen.data, { greeting: 'hi' });
    assert.equal(seen.channel, ch.hello);
    assert.equal(seen.clientId, 'rpc-pipeline-client');
    assert.equal(seen.type, 'command');
  });

  it('client.command() is the typed form of send()', async () => {
    const ack = await firstReply(() => client.command(ch.hello, 'text body'));
    assert.equal(ack.executed, true);
    assert.equal(received.find((r) => r.requestId === ack.requestId)?.data, 'text body');
  });

  it('returns an object from a query', async () => {
    const record = new KubeMQRecordBuilder({ id: 42 }).setType('query').build();
    const user = await firstReply(() => client.send(ch.object, record));
    assert.deepEqual(user, { id: 42, name: 'user-42', tags: ['a', 'b'] });
  });

  it('returns a string, a number and a Buffer from queries, types intact', async () => {
    assert.equal(await firstReply(() => client.query<string>(ch.string, {})), 'plain text');
    assert.equal(await firstReply(() => client.query<number>(ch.number, 21)), 42);
    const buffer = await firstReply(() => client.query<Buffer>(ch.buffer, {}));
    assert.ok(Buffer.isBuffer(buffer));
    assert.deepEqual([...buffer], [0, 1, 2, 250, 255]);
  });

  it('answers a query with the last value of an Observable', async () => {
    assert.equal(await firstReply(() => client.query<string>(ch.observable, {})), 'value-2');
  });

  it('round-trips raw strings and Buffers unchanged', async () => {
    assert.equal(
      await firstReply(() => client.query(ch.echo, '{"looks":"like json"}')),
      '{"looks":"like json"}',
    );
    const bytes = Buffer.from([0xff, 0x00, 0x7b]);
    const back = await firstReply(() => client.query<Buffer>(ch.echo, bytes));
    assert.ok(Buffer.isBuffer(back));
    assert.ok(back.equals(bytes));
    assert.deepEqual(await firstReply(() => client.query(ch.echo, [1, 'two', null])), [
      1,
      'two',
      null,
    ]);
  });

  it('maps object patterns to the same channel on both sides, whatever the key order', async () => {
    const reply = await firstReply(() =>
      client.query<{ sum: number; channel: string }>(
        { cmd: 'sum', service: ch.objectService },
        [1, 2, 3],
      ),
    );
    assert.equal(reply.sum, 6);
    assert.equal(reply.channel, `{"cmd":"sum","service":"${ch.objectService}"}`);
    const viaSend = await firstReply(() =>
      client.send(
        { service: ch.objectService, cmd: 'sum' },
        new KubeMQRecordBuilder([4, 5]).setType('query').build(),
      ),
    );
    assert.equal((viaSend as { sum: number }).sum, 9);
  });

  it('gives the handler the context: channel, metadata, tags, timeout, reply channel', async () => {
    const record = new KubeMQRecordBuilder({ q: 1 })
      .setType('query')
      .setMetadata('lookup-v1')
      .setTags({ tenant: 't1', trace: 'abc' })
      .setTimeout(2500)
      .build();
    const seen = (await firstReply(() => client.send(ch.context, record))) as Record<
      string,
      unknown
    >;
    assert.equal(seen.type, 'query');
    assert.equal(seen.channel, ch.context);
    assert.equal(seen.pattern, ch.context);
    assert.equal(seen.metadata, 'lookup-v1');
    assert.equal((seen.tags as Record<string, string>).tenant, 't1');
    assert.equal((seen.tags as Record<string, string>).trace, 'abc');
    assert.equal(seen.timeout, 2500);
    assert.equal(seen.replyChannelSet, true);
    assert.match(String(seen.requestId), /^\S+$/);
  });
});
