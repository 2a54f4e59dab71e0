import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { firstValueFrom, timer, map } from 'rxjs';
import { type KubeMQContext } from '../../lib';
import { uniqueChannel } from '../support/broker';
import { delay, startControllers, useBrokerWithClient, whileServing } from '../support/nest';
import { peekAll, seenOf, waitFor, type Seen } from '../support/queues';

// Queue handlers: a message is acked once its handler succeeded, delivered again when it failed,
// and not delivered before its delay.

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
});
