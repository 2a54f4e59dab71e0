import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, Payload } from '@nestjs/microservices';
import { firstValueFrom } from 'rxjs';
import { ServerKubeMQ, type ClientKubeMQ, type KubeMQContext, QueuePattern } from '../../lib';
import { startTestBroker, uniqueChannel, type TestBrokerHandle } from '../support/broker';
import { connectedClient, delay, moduleWith } from '../support/nest';
import { CapturingLogger, peekAll, waitFor } from '../support/queues';

type Action = 'ack' | 'reject-once' | 'requeue' | 'none-once' | 'ack-twice' | 'ack-late';

interface Seen {
  action: Action;
  receiveCount: number;
  channel: string;
  id: string;
}

const jobs = uniqueChannel('jobs-manual');
const moved = `${jobs}-moved`;
const auto = uniqueChannel('jobs-auto');
const seen: Seen[] = [];
const errors: string[] = [];
const settled: string[] = [];

@Controller()
class ManualWorker {
  @QueuePattern(jobs, { manualAck: true, concurrency: 2 })
  async handle(@Payload() data: unknown, @Ctx() ctx: KubeMQContext) {
    const action = data as Action;
    const n = ctx.getReceiveCount();
    seen.push({ action, receiveCount: n, channel: ctx.getChannel(), id: ctx.getRequestId() });
    switch (action) {
      case 'ack':
        await ctx.ack();
        settled.push('ack');
        return;
      case 'reject-once':
        if (n === 1) await ctx.reject();
        else await ctx.ack();
        settled.push(`reject-once:${n}`);
        return;
      case 'requeue':
        await ctx.requeue(moved);
        return;
      case 'none-once':
        if (n > 1) await ctx.ack();
        return; // the first time: left unsettled
      case 'ack-twice':
        await ctx.ack();
        await ctx.ack().catch((error: Error) => errors.push(error.message));
        return;
      case 'ack-late':
        if (n > 1) return ctx.ack();
        setTimeout(() => {
          ctx.ack().catch((error: Error) => errors.push(error.message));
        }, 50);
        return;
    }
  }

  @QueuePattern(moved)
  movedHere(@Payload() data: unknown, @Ctx() ctx: KubeMQContext) {
    seen.push({
      action: data as Action,
      receiveCount: ctx.getReceiveCount(),
      channel: ctx.getChannel(),
      id: ctx.getRequestId(),
    });
  }

  @QueuePattern(auto)
  async notManual(@Ctx() ctx: KubeMQContext) {
    await ctx.ack().catch((error: Error) => errors.push(error.message));
    settled.push('auto');
  }
}

describe('queues: manualAck handlers settle through the context', () => {
  let broker: TestBrokerHandle;
  let client: ClientKubeMQ;
  let app: INestMicroservice;
  const logger = new CapturingLogger();

  before(async () => {
    broker = await startTestBroker();
    client = await connectedClient({ address: broker.address });
    app = await NestFactory.createMicroservice(moduleWith({ controllers: [ManualWorker] }), {
      strategy: new ServerKubeMQ({ address: broker.address }),
      logger,
    });
    await app.listen();
  });

  after(async () => {
    await app?.close();
    client?.close();
    await broker?.stop();
  });

  const send = (action: Action) => firstValueFrom(client.sendToQueue(jobs, action));
  const of = (action: Action) => seen.filter((s) => s.action === action);

  it('ctx.ack() removes the message', async () => {
    await send('ack');
    await waitFor('the ack', () => settled.includes('ack'));
    assert.deepEqual(
      of('ack').map((s) => s.receiveCount),
      [1],
    );
  });

  it('ctx.reject() hands it back: it comes again with receive count 2', async () => {
    await send('reject-once');
    await waitFor('the second delivery', () => settled.includes('reject-once:2'));
    assert.deepEqual(
      of('reject-once').map((s) => s.receiveCount),
      [1, 2],
    );
  });

  it('ctx.requeue(queue) moves it to another queue', async () => {
    const sent = await send('requeue');
    await waitFor('the message on the other queue', () => of('requeue').length === 2);
    const [here, there] = of('requeue');
    assert.equal(here.channel, jobs);
    assert.equal(there.channel, moved);
    assert.equal(there.id, sent.messageId);
    assert.equal(there.receiveCount, 1);
  });

  it('a message left unsettled when the handler returns is rejected, with a log line', async () => {
    const sent = await send('none-once');
    await waitFor('the second delivery', () => of('none-once').length === 2);
    assert.deepEqual(
      of('none-once').map((s) => s.receiveCount),
      [1, 2],
    );
    const [line] = logger.warnings(sent.messageId);
    assert.ok(line, 'a warning names the message');
    assert.match(line, /left unsettled by its manualAck handler; rejecting it/);
    assert.match(line, new RegExp(`"${jobs}"`));
  });

  it('settling twice, or after the handler returned, fails with a clear error', async () => {
    const twice = await send('ack-twice');
    const late = await send('ack-late');
    await waitFor('both errors', () => errors.length >= 2);
    assert.ok(
      errors.some(
        (e) => e.includes(`Cannot ack queue message ${twice.messageId}`) && /acked already/.test(e),
      ),
      errors.join('\n'),
    );
    assert.ok(
      errors.some(
        (e) =>
          e.includes(`Cannot ack queue message ${late.messageId}`) &&
          /had already returned/.test(e),
      ),
      errors.join('\n'),
    );
    // The late one was rejected when its handler returned, so it came back once more.
    await waitFor('the late one again', () => of('ack-late').length === 2);
  });

  it('ctx.ack() in a handler without manualAck says how to get it', async () => {
    await firstValueFrom(client.sendToQueue(auto, 'x'));
    await waitFor('the auto handler', () => settled.includes('auto'));
    assert.ok(
      errors.some((e) =>
        /ctx\.ack\(\) on message .* settles it by its outcome; declare the handler with \{ type: 'queue', manualAck: true \}/.test(
          e,
        ),
      ),
      errors.join('\n'),
    );
    await delay(200);
    assert.deepEqual(await peekAll(client, auto), [], 'acked by its outcome');
  });
});
