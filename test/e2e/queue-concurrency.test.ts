import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Controller, type Type } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { firstValueFrom } from 'rxjs';
import { type KubeMQContext, QueuePattern } from '../../lib';
import { uniqueChannel } from '../support/broker';
import { delay, startControllers, startMicroservice, useBrokerWithClient } from '../support/nest';
import { peekAll, waitFor } from '../support/queues';

describe('queues: competing consumers and concurrency', () => {
  const env = useBrokerWithClient();

  it('two apps on the same queue handle 200 messages exactly once between them', async () => {
    const jobs = uniqueChannel('jobs-compete');
    const handled = new Map<number, string[]>();
    const consumerOf = (app: string): Type<unknown> => {
      @Controller()
      class Worker {
        @QueuePattern(jobs, { concurrency: 4 })
        async handle(@Payload() data: unknown) {
          const n = data as number;
          await delay(Math.random() * 5);
          handled.set(n, [...(handled.get(n) ?? []), app]);
        }
      }
      return Worker;
    };
    const one = await startControllers(env.broker.address, consumerOf('one'));
    const two = await startControllers(env.broker.address, consumerOf('two'));
    const numbers = Array.from({ length: 200 }, (_, i) => i);
    try {
      const results = await firstValueFrom(env.client.sendQueueBatch(jobs, numbers));
      assert.equal(results.length, 200);
      await waitFor('200 messages handled', () => handled.size === 200, 30_000);
      await delay(500);
    } finally {
      await Promise.all([one.app.close(), two.app.close()]);
    }
    const twice = [...handled].filter(([, apps]) => apps.length !== 1);
    assert.deepEqual(twice, [], 'each message handled once');
    assert.deepEqual(
      [...handled.keys()].sort((a, b) => a - b),
      numbers,
    );
    const byApp = (app: string) => [...handled.values()].filter(([a]) => a === app).length;
    assert.ok(byApp('one') > 0 && byApp('two') > 0, `one: ${byApp('one')}, two: ${byApp('two')}`);
    assert.deepEqual(await peekAll(env.client, jobs), []);
  });

  it('a handler slower than visibilitySeconds keeps its message: no competing app gets it', async () => {
    const jobs = uniqueChannel('jobs-slow');
    const handled: string[] = [];
    const consumerOf = (app: string, ms: number): Type<unknown> => {
      @Controller()
      class Worker {
        @QueuePattern(jobs, { visibilitySeconds: 1, waitSeconds: 1 })
        async handle() {
          handled.push(app);
          await delay(ms);
        }
      }
      return Worker;
    };
    const slow = await startControllers(env.broker.address, consumerOf('slow', 3500));
    let other: Awaited<ReturnType<typeof startMicroservice>> | undefined;
    try {
      await firstValueFrom(env.client.sendToQueue(jobs, 'long job'));
      await waitFor('the slow handler', () => handled.length === 1);
      other = await startControllers(env.broker.address, consumerOf('other', 0));
      // Three and a half visibility periods: without extensions the broker would have handed it on.
      await delay(4500);
      assert.deepEqual(handled, ['slow']);
    } finally {
      await Promise.all([slow.app.close(), other?.app.close()]);
    }
    assert.deepEqual(await peekAll(env.client, jobs), [], 'acked by the slow handler');
  });

  it('concurrency 4 runs four handlers at once, and never five', async () => {
    const jobs = uniqueChannel('jobs-conc');
    let running = 0;
    let most = 0;
    let done = 0;
    let held = true;
    @Controller()
    class Worker {
      @QueuePattern(jobs, { concurrency: 4 })
      async handle() {
        running += 1;
        most = Math.max(most, running);
        while (held) await delay(10);
        running -= 1;
        done += 1;
      }
    }
    const { app } = await startControllers(env.broker.address, Worker);
    try {
      await firstValueFrom(
        env.client.sendQueueBatch(
          jobs,
          Array.from({ length: 12 }, (_, i) => i),
        ),
      );
      await waitFor('four handlers running', () => running === 4, 10_000);
      // Eight more are waiting in the queue: a fifth handler would start now if it could.
      await delay(500);
      assert.equal(running, 4);
      held = false;
      await waitFor('12 messages handled', () => done === 12, 30_000);
    } finally {
      held = false;
      await app.close();
    }
    assert.equal(most, 4);
  });

  it('concurrency 1 (the default) handles the queue one message at a time, in order', async () => {
    const jobs = uniqueChannel('jobs-fifo');
    const order: number[] = [];
    let running = 0;
    let most = 0;
    @Controller()
    class Worker {
      @QueuePattern(jobs)
      async handle(@Payload() data: unknown, @Ctx() ctx: KubeMQContext) {
        const n = data as number;
        running += 1;
        most = Math.max(most, running);
        await delay(2);
        order.push(n);
        assert.equal(ctx.getReceiveCount(), 1);
        running -= 1;
      }
    }
    const { app } = await startControllers(env.broker.address, Worker);
    const numbers = Array.from({ length: 30 }, (_, i) => i);
    try {
      await firstValueFrom(env.client.sendQueueBatch(jobs, numbers));
      await waitFor('30 messages handled', () => order.length === 30, 30_000);
    } finally {
      await app.close();
    }
    assert.equal(most, 1);
    assert.deepEqual(order, numbers);
  });
});
