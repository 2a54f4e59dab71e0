import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Controller } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { firstValueFrom, timer, map } from 'rxjs';
import { KubeMQError, KubeMQRecordBuilder, ServerKubeMQ, type KubeMQContext } from '../../lib';
import { uniqueChannel } from '../support/broker';
import {
  delay,
  moduleWith,
  startControllers,
  useBrokerWithClient,
  whileServing,
} from '../support/nest';
import { CapturingLogger, peekAll, waitFor } from '../support/queues';

interface Seen {
  data: unknown;
  receiveCount: number;
  ctx: KubeMQContext;
  at: number;
}

/** What a handler saw of one delivery, and when. */
function seenOf(data: unknown, ctx: KubeMQContext): Seen {
  return { data, receiveCount: ctx.getReceiveCount(), ctx, at: Date.now() };
}

describe('queues: a message is acked only when its handler succeeded', () => {
  const env = useBrokerWithClient({ clientId: 'queue-sender' });

  it('acks a message whose handler succeeded: the queue is empty afterwards', async () => {
    const jobs = uniqueChannel('jobs');
    const seen: Seen[] = [];
    @Controller()
    class Jobs {
      @EventPattern<string>(jobs, { type: 'queue' })
      async handle(@Payload() data: unknown, @Ctx() ctx: KubeMQContext) {
        await delay(20);
        seen.push(seenOf(data, ctx));
      }
    }
    const { app } = await startControllers(env.broker.address, Jobs);
    const sent = await firstValueFrom(
      env.client.sendToQueue(
        jobs,
        { amount: 42 },
        {
          metadata: 'capture',
          tags: { tenant: 'acme' },
        },
      ),
    );
    await waitFor('the handler', () => seen.length === 1);
    // Closing hands back whatever is unsettled: an empty queue afterwards means it was acked.
    await app.close();
    assert.deepEqual(await peekAll(env.client, jobs), []);

    const [{ data, ctx }] = seen;
    assert.deepEqual(data, { amount: 42 });
    assert.equal(ctx.getType(), 'queue');
    assert.equal(ctx.getChannel(), jobs);
    assert.equal(ctx.getPattern(), jobs);
    assert.equal(ctx.getRequestId(), sent.messageId);
    assert.equal(ctx.getClientId(), 'queue-sender');
    assert.equal(ctx.getMetadata(), 'capture');
    assert.equal(ctx.getTags().tenant, 'acme');
    assert.ok(ctx.getSequence() >= 1);
    const stored = ctx.getTimestamp();
    assert.ok(stored instanceof Date && Math.abs(stored.getTime() - sent.sentAt.getTime()) < 5000);
    assert.equal(ctx.getReceiveCount(), 1);
    assert.equal(ctx.isReRouted(), false);
    assert.equal(ctx.getReRoutedFrom(), '');
    assert.equal(ctx.getQueueInfo()?.maxReceiveCount, 1024);
  });

  it('an Observable handler is acked once it completes, rejected when it errors', async () => {
    const jobs = uniqueChannel('jobs-rx');
    const seen: Seen[] = [];
    @Controller()
    class Jobs {
      @EventPattern<string>(jobs, { type: 'queue' })
      handle(@Payload() data: unknown, @Ctx() ctx: KubeMQContext) {
        seen.push(seenOf(data, ctx));
        return timer(30).pipe(
          map(() => {
            if (ctx.getReceiveCount() === 1) throw new Error('first try fails');
            return 'done';
          }),
        );
      }
    }
    await whileServing(env.broker.address, [Jobs], async () => {
      await firstValueFrom(env.client.sendToQueue(jobs, { n: 1 }));
      await waitFor('the second delivery', () => seen.length === 2);
    });
    assert.deepEqual(
      seen.map((s) => s.receiveCount),
      [1, 2],
    );
    assert.deepEqual(await peekAll(env.client, jobs), []);
  });

  it('a handler that throws on the first delivery gets the message again, with getReceiveCount() 2', async () => {
    const jobs = uniqueChannel('jobs-retry');
    const seen: Seen[] = [];
    @Controller()
    class Jobs {
      @EventPattern<string>(jobs, { type: 'queue' })
      handle(@Payload() data: unknown, @Ctx() ctx: KubeMQContext) {
        seen.push(seenOf(data, ctx));
        if (ctx.getReceiveCount() === 1) throw new Error('payment gateway timed out');
      }
    }
    await whileServing(env.broker.address, [Jobs], async () => {
      const sent = await firstValueFrom(env.client.sendToQueue(jobs, { payment: 'p-1' }));
      await waitFor('the second delivery', () => seen.length === 2);
      assert.deepEqual(
        seen.map((s) => [s.receiveCount, s.ctx.getRequestId()]),
        [
          [1, sent.messageId],
          [2, sent.messageId],
        ],
      );
      assert.deepEqual(seen[1].data, { payment: 'p-1' });
      // Back at the tail: a new sequence.
      assert.ok(seen[1].ctx.getSequence() > seen[0].ctx.getSequence());
      await delay(300);
      assert.equal(seen.length, 2, 'acked after the second delivery: no third');
    });
    assert.deepEqual(await peekAll(env.client, jobs), []);
  });

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

  it('a delayed message is not handled before its delay', async () => {
    const jobs = uniqueChannel('jobs-delayed');
    const handledAt: number[] = [];
    @Controller()
    class Jobs {
      @EventPattern<string>(jobs, { type: 'queue', waitSeconds: 1 })
      handle() {
        handledAt.push(Date.now());
      }
    }
    await whileServing(env.broker.address, [Jobs], async () => {
      const sent = await firstValueFrom(
        env.client.sendToQueue(jobs, 'later', { policy: { delaySeconds: 2 } }),
      );
      assert.ok(sent.delayedTo instanceof Date, 'the result says until when');
      const delayMs = sent.delayedTo.getTime() - sent.sentAt.getTime();
      assert.ok(delayMs > 1500 && delayMs < 2500, `delayed by ${delayMs} ms`);
      await delay(1000);
      assert.equal(handledAt.length, 0, 'not handled after 1 s of a 2 s delay');
      await waitFor('the delayed message', () => handledAt.length === 1, 10_000);
      // The broker publishes it once due (it checks every 500 ms): never early.
      assert.ok(handledAt[0] >= sent.delayedTo.getTime() - 250);
    });
  });

  it('listen() fails with a clear error naming the handler for wrong-typed extras', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ concurrency: '4' }, /concurrency must be a whole number from 1 to 1024, got "4"/],
      [{ concurrency: 0 }, /concurrency must be a whole number from 1 to 1024, got 0/],
      [{ visibilitySeconds: 1.5 }, /visibilitySeconds must be a whole number from 1 to 43200/],
      [{ waitSeconds: 7200 }, /waitSeconds must be a whole number from 1 to 3600, got 7200/],
      [{ manualAck: 'yes' }, /manualAck must be true or false, got "yes"/],
      [{ group: 'workers' }, /queues have no groups/],
    ];
    for (const [extras, expected] of cases) {
      const jobs = uniqueChannel('jobs-bad');
      @Controller()
      class Bad {
        @EventPattern<string>(jobs, { type: 'queue', ...extras })
        handle() {
          return undefined;
        }
      }
      const app = await NestFactory.createMicroservice(moduleWith({ controllers: [Bad] }), {
        strategy: new ServerKubeMQ({ address: env.broker.address }),
        logger: false,
      });
      const error = await app.listen().then(
        () => assert.fail(`listen() should have failed for ${JSON.stringify(extras)}`),
        (e: unknown) => e,
      );
      assert.ok(error instanceof KubeMQError);
      assert.match(error.message, new RegExp(`@EventPattern\\('${jobs}'\\)`));
      assert.match(error.message, expected);
      await app.close();
    }
  });

  it("listen() fails for a queue name KubeMQ refuses, with KubeMQ's text", async () => {
    @Controller()
    class Bad {
      @EventPattern<string>('jobs.*', { type: 'queue' })
      handle() {
        return undefined;
      }
    }
    const app = await NestFactory.createMicroservice(moduleWith({ controllers: [Bad] }), {
      strategy: new ServerKubeMQ({ address: env.broker.address }),
      logger: false,
    });
    const error = await app.listen().then(
      () => assert.fail('listen() should have failed'),
      (e: unknown) => e,
    );
    assert.match((error as Error).message, /@EventPattern\('jobs\.\*'\)/);
    assert.match((error as Error).message, /Error 120: invalid queue name value/);
    await app.close();
  });
});
