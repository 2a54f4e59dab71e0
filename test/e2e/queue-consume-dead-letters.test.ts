import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Controller } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { firstValueFrom } from 'rxjs';
import { KubeMQRecordBuilder, ServerKubeMQ, type KubeMQContext } from '../../lib';
import { uniqueChannel } from '../support/broker';
import {
  delay,
  moduleWith,
  startControllers,
  useBrokerWithClient,
  whileServing,
} from '../support/nest';
import { CapturingLogger, peekAll, seenOf, waitFor, type Seen } from '../support/queues';

// Queue messages that keep failing: past maxReceiveCount they go to their dead-letter queue, or
// are dropped when there is none.

describe('queues: a message that keeps failing leaves the queue', () => {
  const env = useBrokerWithClient({ clientId: 'queue-sender' });

  it('past maxReceiveCount a failing message goes to its dead-letter queue, re-routed from the original', async () => {
    const jobs = uniqueChannel('jobs-poison');
    const dlq = `${jobs}-dlq`;
    const attempts: Seen[] = [];
    const deadLetters: Seen[] = [];
    @Controller()
    class Jobs {
      @EventPattern<string>(jobs, { type: 'queue' })
      handle(@Payload() data: unknown, @Ctx() ctx: KubeMQContext) {
        attempts.push(seenOf(data, ctx));
        throw new Error('cannot ever process this');
      }

      @EventPattern<string>(dlq, { type: 'queue' })
      deadLetter(@Payload() data: unknown, @Ctx() ctx: KubeMQContext) {
        deadLetters.push(seenOf(data, ctx));
      }
    }
    await whileServing(env.broker.address, [Jobs], async () => {
      const record = new KubeMQRecordBuilder({ payment: 'p-poison' })
        .setType('queue')
        .setPolicy({ maxReceiveCount: 2, maxReceiveQueue: dlq })
        .build();
      const sent = await firstValueFrom(env.client.emit(jobs, record));
      await waitFor('the dead letter', () => deadLetters.length === 1);
      await delay(300);
      assert.deepEqual(
        attempts.map((a) => a.receiveCount),
        [1, 2],
      );
      const [dead] = deadLetters;
      assert.deepEqual(dead.data, { payment: 'p-poison' });
      assert.equal(dead.ctx.getRequestId(), (sent as { messageId: string }).messageId);
      assert.equal(dead.ctx.getChannel(), dlq);
      assert.equal(dead.ctx.isReRouted(), true);
      assert.equal(dead.ctx.getReRoutedFrom(), jobs);
      assert.equal(deadLetters.length, 1);
    });
    assert.deepEqual(await peekAll(env.client, jobs), []);
    assert.deepEqual(await peekAll(env.client, dlq), []);
  });

  it('without a dead-letter queue, a message past maxReceiveCount is dropped', async () => {
    const jobs = uniqueChannel('jobs-drop');
    const attempts: number[] = [];
    @Controller()
    class Jobs {
      @EventPattern<string>(jobs, { type: 'queue' })
      handle(@Ctx() ctx: KubeMQContext) {
        attempts.push(ctx.getReceiveCount());
        throw new Error('always fails');
      }
    }
    await whileServing(env.broker.address, [Jobs], async () => {
      await firstValueFrom(env.client.sendToQueue(jobs, 'x', { policy: { maxReceiveCount: 1 } }));
      await waitFor('the only delivery', () => attempts.length === 1);
      await delay(500);
    });
    assert.deepEqual(attempts, [1]);
    assert.deepEqual(await peekAll(env.client, jobs), []);
  });

  it('a message larger than maxMessageBytes comes back until its dead-letter queue takes it', async () => {
    const jobs = uniqueChannel('jobs-big');
    const dlq = `${jobs}-dlq`;
    const small: unknown[] = [];
    const deadLetters: Seen[] = [];
    @Controller()
    class Jobs {
      @EventPattern<string>(jobs, { type: 'queue' })
      handle(@Payload() data: unknown) {
        small.push(data);
      }
    }
    @Controller()
    class DeadLetters {
      @EventPattern<string>(dlq, { type: 'queue' })
      handle(@Payload() data: unknown, @Ctx() ctx: KubeMQContext) {
        deadLetters.push(seenOf(data, ctx));
      }
    }
    const { app: roomy } = await startControllers(env.broker.address, DeadLetters);
    // Nest's logger is global: the app whose lines are checked starts last.
    const logger = new CapturingLogger();
    const limited = await NestFactory.createMicroservice(moduleWith({ controllers: [Jobs] }), {
      strategy: new ServerKubeMQ({ address: env.broker.address, maxMessageBytes: 2048 }),
      logger,
    });
    await limited.listen();
    try {
      const big = 'x'.repeat(8192);
      await firstValueFrom(
        env.client.sendToQueue(jobs, big, { policy: { maxReceiveCount: 2, maxReceiveQueue: dlq } }),
      );
      await firstValueFrom(env.client.sendToQueue(jobs, 'small'));
      await waitFor('the dead letter', () => deadLetters.length === 1, 20_000);
      assert.equal(deadLetters[0].data, big);
      assert.equal(deadLetters[0].ctx.getReRoutedFrom(), jobs);
      await waitFor('the small message', () => small.length === 1);
      assert.deepEqual(small, ['small']);
      const [line] = logger.lines.filter((l) => l.level === 'error' && l.message.includes(jobs));
      assert.ok(line, 'an error line names the queue');
      assert.match(line.message, /larger than maxMessageBytes/);
    } finally {
      await Promise.all([limited.close(), roomy.close()]);
    }
  });
});
