import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { firstValueFrom } from 'rxjs';
import {
  KubeMQError,
  KubeMQQueueBatchError,
  KubeMQRecordBuilder,
  type KubeMQQueueSendResult,
} from '../../lib';
import { uniqueChannel } from '../support/broker';
import { errorOf, useBrokerWithClient } from '../support/nest';
import { peekAll } from '../support/queues';

describe('queues: the client sends, receives and peeks', () => {
  const env = useBrokerWithClient({ clientId: 'queue-client' });

  it("emit() of a 'queue' record sends it and emits KubeMQ's result", async () => {
    const jobs = uniqueChannel('client-emit');
    const before = Date.now();
    const record = new KubeMQRecordBuilder({ invoice: 7 })
      .setType('queue')
      .setMetadata('billing')
      .setTags({ tenant: 'acme' })
      .setPolicy({ expirationSeconds: 600, maxReceiveCount: 3, maxReceiveQueue: `${jobs}-dlq` })
      .build();
    const result = await firstValueFrom<KubeMQQueueSendResult>(env.client.emit(jobs, record));
    assert.equal(typeof result.messageId, 'string');
    assert.ok(result.messageId.length > 0);
    assert.equal(result.channel, jobs);
    assert.ok(result.sentAt instanceof Date);
    assert.ok(Math.abs(result.sentAt.getTime() - before) < 5000);
    assert.ok(result.expiresAt instanceof Date);
    const lifetime = result.expiresAt.getTime() - result.sentAt.getTime();
    assert.ok(Math.abs(lifetime - 600_000) < 2000, `expires ${lifetime} ms after sending`);
    assert.equal(result.delayedTo, undefined);

    const [message] = await firstValueFrom(env.client.receiveFromQueue(jobs, { waitSeconds: 2 }));
    assert.equal(message.id, result.messageId);
    assert.deepEqual(message.data, { invoice: 7 });
    assert.equal(message.metadata, 'billing');
    assert.equal(message.tags.tenant, 'acme');
    assert.equal(message.clientId, 'queue-client');
    assert.equal(message.receiveCount, 1);
    assert.ok(message.sequence >= 1);
    assert.ok(message.expiresAt instanceof Date);
  });

  it("a broker refusal errors with KubeMQ's text and the queue's name", async () => {
    const jobs = uniqueChannel('client-refused');
    const cases: Array<[object, RegExp]> = [
      [{ expirationSeconds: 43_201 }, /Error 133: invalid expiration seconds/],
      [{ maxReceiveCount: -1 }, /Error 134: invalid max received count/],
      [{ delaySeconds: 43_201 }, /Error 135: invalid delay seconds/],
    ];
    for (const [policy, text] of cases) {
      const record = new KubeMQRecordBuilder('x').setType('queue').setPolicy(policy).build();
      const error = await errorOf(env.client.emit(jobs, record));
      assert.ok(error instanceof KubeMQError);
      assert.match(error.message, new RegExp(`"${jobs}"`));
      assert.match(error.message, text);
    }
    const helper = await errorOf(
      env.client.sendToQueue(jobs, 'x', { policy: { delaySeconds: -5 } }),
    );
    assert.match(
      (helper as Error).message,
      new RegExp(`refused the queue message to "${jobs}": Error 135`),
    );
    assert.deepEqual(await peekAll(env.client, jobs), [], 'nothing was queued');
  });

  it('refuses before sending what KubeMQ would refuse anyway, naming the queue', async () => {
    const empty = await errorOf(
      env.client.emit('jobs-empty', new KubeMQRecordBuilder('').setType('queue').build()),
    );
    assert.match(
      (empty as Error).message,
      /"jobs-empty": Error 110: invalid message, cannot be empty/,
    );
    const name = await errorOf(env.client.sendToQueue('jobs.>', 'x'));
    assert.match((name as Error).message, /"jobs\.>": Error 120: invalid queue name value/);
    const policy = await errorOf(
      env.client.sendToQueue('jobs-p', 'x', { policy: { delaySeconds: 1.5 } }),
    );
    assert.match(
      (policy as Error).message,
      /"jobs-p": delaySeconds must be a whole number, got 1.5/,
    );
    const dlq = await errorOf(
      env.client.sendToQueue('jobs-p', 'x', { policy: { maxReceiveQueue: 'dead letters' } }),
    );
    assert.match((dlq as Error).message, /maxReceiveQueue "dead letters": Error 120/);
    const notAName = await errorOf(env.client.sendToQueue(42 as unknown as string, 'x'));
    assert.match((notAName as Error).message, /"?42"?: Error 120/);
    const notAList = await errorOf(
      env.client.sendQueueBatch('jobs-p', 'abc' as unknown as string[]),
    );
    assert.match((notAList as Error).message, /"jobs-p": it needs at least one message/);
    const noOptions = await errorOf(
      env.client.receiveFromQueue('jobs p', null as unknown as { maxMessages: number }),
    );
    assert.match((noOptions as Error).message, /"jobs p": Error 120/);
    const command = await errorOf(
      env.client.send('cmd', new KubeMQRecordBuilder('x').setPolicy({ delaySeconds: 1 }).build()),
    );
    assert.match((command as Error).message, /setPolicy\(\) applies to queue messages/);
  });

  it('sendQueueBatch() checks every result: the refused ones are listed, the others were sent', async () => {
    const jobs = uniqueChannel('client-batch');
    const ok = await firstValueFrom(env.client.sendQueueBatch(jobs, ['a', 'b', { c: 3 }]));
    assert.equal(ok.length, 3);
    assert.equal(new Set(ok.map((r) => r.messageId)).size, 3);

    const mixed = [
      'd',
      new KubeMQRecordBuilder('e').setPolicy({ delaySeconds: -1 }).build(),
      new KubeMQRecordBuilder('f').setMetadata('with metadata').build(),
    ];
    const error = await errorOf(env.client.sendQueueBatch(jobs, mixed));
    assert.ok(error instanceof KubeMQQueueBatchError);
    assert.equal(error.channel, jobs);
    assert.deepEqual(
      error.refused.map((r) => [r.index, r.error]),
      [[1, 'Error 135: invalid delay seconds, exceed max delay seconds setting in kubemq config']],
    );
    assert.ok(error.results[0] && error.results[2]);
    assert.equal(error.results[1], undefined);
    assert.match(error.message, new RegExp(`refused 1 of 3 queue message\\(s\\) to "${jobs}"`));

    const received = await firstValueFrom(
      env.client.receiveFromQueue(jobs, { maxMessages: 10, waitSeconds: 1 }),
    );
    assert.deepEqual(
      received.map((m) => m.data),
      ['a', 'b', { c: 3 }, 'd', 'f'],
    );
    assert.equal(received[4].metadata, 'with metadata');

    const none = await errorOf(env.client.sendQueueBatch(jobs, []));
    assert.match((none as Error).message, /needs at least one message/);
  });

  it('receiveFromQueue() takes messages, peekQueue() leaves them', async () => {
    const jobs = uniqueChannel('client-pull');
    await firstValueFrom(env.client.sendQueueBatch(jobs, [1, 2, 3]));
    const peeked = await firstValueFrom(env.client.peekQueue<number>(jobs, { maxMessages: 5 }));
    assert.deepEqual(
      peeked.map((m) => m.data),
      [1, 2, 3],
    );
    const taken = await firstValueFrom(
      env.client.receiveFromQueue<number>(jobs, { maxMessages: 2 }),
    );
    assert.deepEqual(
      taken.map((m) => m.data),
      [1, 2],
    );
    const rest = await peekAll(env.client, jobs);
    assert.deepEqual(
      rest.map((m) => m.data),
      [3],
    );
    const started = Date.now();
    const last = await firstValueFrom(
      env.client.receiveFromQueue(jobs, { maxMessages: 5, waitSeconds: 1 }),
    );
    assert.equal(last.length, 1);
    assert.ok(Date.now() - started >= 900, 'waited for more up to the wait');
    assert.deepEqual(await firstValueFrom(env.client.receiveFromQueue(jobs)), []);

    const refused = await errorOf(env.client.receiveFromQueue(jobs, { maxMessages: 0 }));
    assert.match(
      (refused as Error).message,
      new RegExp(`refused to receive from the queue "${jobs}": Error 122: max messages`),
    );
  });
});
