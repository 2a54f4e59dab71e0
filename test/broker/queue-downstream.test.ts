// QueuesDownstream as KubeMQ Community runs it (§6.6): Get opens a
// transaction; settlements answer only on error; "closed" transactions.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KubeMQErrorText as E } from '../../lib/kubemq/errors';
import {
  makeQueuePolicy,
  QueuesDownstreamRequestType as T,
} from '../../lib/kubemq/queues/queue-messages';
import { uniqueChannel } from '../support/broker';
import { delay } from '../support/raw-kubemq-client';
import { deliveries, useQueueClient, type Downstream } from '../support/raw-queue-client';
import {
  activeOffsets,
  brief,
  getOn as getOnWith,
  NO_ANSWER_MS,
  UUID,
} from './queue-downstream-helpers';

const env = useQueueClient();
/** Gets up to `max` messages of `channel` on `stream` (a new one by default). */
const getOn = (channel: string, max: number, stream?: Downstream) =>
  getOnWith(env.queues, channel, max, stream);

describe('QueuesDownstream Get', { concurrency: true }, () => {
  it('refuses a bad Get in-band, with a fresh TransactionId', async () => {
    const stream = env.queues.downstream();
    try {
      const cases: [object, string][] = [
        [{ ClientID: '', Channel: 'a b' }, E.emptyClientId],
        [{ Channel: 'a b' }, E.invalidQueueName],
        [{ Channel: 'a:b' }, E.queueSubscribeFailed],
      ];
      for (const [fields, error] of cases) {
        stream.request({ RequestTypeData: T.Get, RequestID: 'bad', ...fields });
        const response = await stream.next();
        assert.deepEqual([brief(response), response.IsError], [`bad|1|${error}`, true]);
        assert.match(response.TransactionId, UUID);
      }
    } finally {
      stream.cancel();
    }
  });

  it('waits at least 1000 ms, and an empty Get is no error but a closed transaction', async () => {
    const channel = uniqueChannel('q-down');
    const stream = env.queues.downstream();
    try {
      const start = Date.now();
      stream.request({
        RequestTypeData: T.Get,
        Channel: channel,
        WaitTimeout: 100,
        RequestID: 'e',
      });
      const empty = await stream.next();
      assert.ok(Date.now() - start >= 900, 'WaitTimeout below 1000 ms is raised to 1000');
      assert.deepEqual([brief(empty), empty.IsError, empty.Messages.length], ['e|1|', false, 0]);
      assert.match(empty.TransactionId, UUID);
      stream.request({
        RequestTypeData: T.ActiveOffsets,
        RefTransactionId: empty.TransactionId,
        RequestID: 'ao',
      });
      assert.equal(brief(await stream.next()), `ao|8|${E.downstreamOffsetsClosed}`);
    } finally {
      stream.cancel();
    }
  });

  it('returns when MaxItems are in; expired messages take places in the batch and are dropped', async () => {
    const channel = uniqueChannel('q-down');
    await env.queues.send({
      Channel: channel,
      Body: Buffer.from('gone'),
      Policy: makeQueuePolicy({ ExpirationSeconds: 1 }),
    });
    await delay(1100);
    await env.queues.sendBodies(channel, ['1', '2', '3']);
    const [stream, first] = await getOn(channel, 2);
    try {
      assert.deepEqual(deliveries(first.Messages), ['1#2/rc1']);
      // Settled before the next Get: a real server's open transaction keeps taking messages.
      stream.request({ RequestTypeData: T.AckAll, RefTransactionId: first.TransactionId });
      const [, second] = await getOn(channel, 2, stream);
      assert.deepEqual(deliveries(second.Messages), ['2#3/rc1', '3#4/rc1']);
      assert.deepEqual(await activeOffsets(stream, second.TransactionId), ['3', '4']);
    } finally {
      stream.cancel();
    }
  });

  it('handles one request at a time: a request waits for the Get before it', async () => {
    const stream = env.queues.downstream();
    try {
      stream.request({
        RequestTypeData: T.Get,
        Channel: uniqueChannel('q-down'),
        RequestID: 'slow',
      });
      stream.request({
        RequestTypeData: T.ActiveOffsets,
        RefTransactionId: 'nope',
        RequestID: 'quick',
      });
      const first = await stream.next();
      const second = await stream.next();
      assert.deepEqual([first.RefRequestId, second.RefRequestId], ['slow', 'quick']);
      assert.deepEqual([second.TransactionId, second.Error], ['nope', E.transactionNotFound]);
    } finally {
      stream.cancel();
    }
  });

  it('acks everything at once with AutoAck', async () => {
    const channel = uniqueChannel('q-down');
    await env.queues.sendBodies(channel, ['1']);
    const stream = env.queues.downstream();
    try {
      stream.request({
        RequestTypeData: T.Get,
        Channel: channel,
        MaxItems: 1,
        AutoAck: true,
        RequestID: 'g',
      });
      const got = await stream.next();
      assert.deepEqual(deliveries(got.Messages), ['1#1/rc1']);
      stream.request({
        RequestTypeData: T.ActiveOffsets,
        RefTransactionId: got.TransactionId,
        RequestID: 'ao',
      });
      assert.equal(brief(await stream.next()), `ao|8|${E.downstreamOffsetsClosed}`);
      assert.deepEqual(await env.queues.peekBodies(channel), []);
    } finally {
      stream.cancel();
    }
  });
});

describe('QueuesDownstream settlements', { concurrency: true }, () => {
  it('answers unknown transactions and unknown request types', async () => {
    const channel = uniqueChannel('q-down');
    await env.queues.sendBodies(channel, ['1']);
    const [stream, got] = await getOn(channel, 1);
    const other = env.queues.downstream();
    try {
      for (const type of [T.AckAll, T.ActiveOffsets, T.TransactionStatus, T.Unknown]) {
        stream.request({ RequestTypeData: type, RefTransactionId: 'nope', RequestID: 'x' });
        const response = await stream.next();
        assert.deepEqual(
          [brief(response), response.TransactionId],
          [`x|${type}|${E.transactionNotFound}`, 'nope'],
        );
      }
      other.request({
        RequestTypeData: T.ActiveOffsets,
        RefTransactionId: got.TransactionId,
        RequestID: 'o',
      });
      assert.equal(
        brief(await other.next()),
        `o|8|${E.transactionNotFound}`,
        'transactions belong to their stream',
      );
      for (const type of [T.TransactionStatus, T.CloseByServer, T.Unknown, 42]) {
        stream.request({
          RequestTypeData: type,
          RefTransactionId: got.TransactionId,
          RequestID: 'u',
        });
        const response = await stream.next();
        assert.deepEqual(
          [brief(response), response.TransactionId],
          [`u|0|${E.requestUnknown}`, got.TransactionId],
        );
      }
    } finally {
      stream.cancel();
      other.cancel();
    }
  });

  it('acks by range without an answer; stops at the first unknown sequence', async () => {
    const channel = uniqueChannel('q-down');
    await env.queues.sendBodies(channel, ['1', '2', '3']);
    const [stream, got] = await getOn(channel, 3);
    const tx = got.TransactionId;
    try {
      stream.request({
        RequestTypeData: T.AckRange,
        RefTransactionId: tx,
        SequenceRange: [],
        RequestID: 'r0',
      });
      assert.equal(brief(await stream.next()), `r0|3|${E.downstreamAckEmptyRange}`);
      stream.request({
        RequestTypeData: T.AckRange,
        RefTransactionId: tx,
        SequenceRange: ['99', '1'],
        RequestID: 'r1',
      });
      assert.equal(brief(await stream.next()), `r1|3|${E.downstreamInvalidAckSequence}99`);
      assert.deepEqual(await activeOffsets(stream, tx), ['1', '2', '3'], 'nothing acked');
      stream.request({
        RequestTypeData: T.AckRange,
        RefTransactionId: tx,
        SequenceRange: ['1', '98'],
        RequestID: 'r2',
      });
      assert.equal(brief(await stream.next()), `r2|3|${E.downstreamInvalidAckSequence}98`);
      assert.deepEqual(await activeOffsets(stream, tx), ['2', '3'], '1 was acked before 98 failed');
      stream.request({ RequestTypeData: T.AckRange, RefTransactionId: tx, SequenceRange: ['2'] });
      await stream.expectNothing(NO_ANSWER_MS);
      assert.deepEqual(await activeOffsets(stream, tx), ['3']);
      stream.request({ RequestTypeData: T.AckRange, RefTransactionId: tx, SequenceRange: ['3'] });
      await stream.expectNothing(NO_ANSWER_MS);
      stream.request({ RequestTypeData: T.ActiveOffsets, RefTransactionId: tx, RequestID: 'ao' });
      assert.equal(
        brief(await stream.next()),
        `ao|8|${E.downstreamOffsetsClosed}`,
        'all settled: closed',
      );
    } finally {
      stream.cancel();
    }
    assert.deepEqual(await env.queues.peekBodies(channel), []);
  });

  it('AckAll answers nothing, then every request meets the closed transaction', async () => {
    const channel = uniqueChannel('q-down');
    await env.queues.sendBodies(channel, ['1', '2']);
    const [stream, got] = await getOn(channel, 2);
    const tx = got.TransactionId;
    try {
      stream.request({ RequestTypeData: T.AckAll, RefTransactionId: tx, RequestID: 'aa' });
      await stream.expectNothing(NO_ANSWER_MS);
      const closed: [number, object, string][] = [
        [T.AckAll, {}, E.downstreamAckClosed],
        [T.AckRange, { SequenceRange: [] }, E.downstreamAckClosed],
        [T.NAckAll, {}, E.downstreamNAckClosed],
        [T.NAckRange, { SequenceRange: [] }, E.downstreamNAckClosed],
        [T.ReQueueAll, { ReQueueChannel: '' }, E.downstreamAckClosed],
        [T.ReQueueRange, { ReQueueChannel: '', SequenceRange: [] }, E.downstreamReQueueClosed],
        [T.ActiveOffsets, {}, E.downstreamOffsetsClosed],
      ];
      for (const [type, fields, error] of closed) {
        stream.request({ RequestTypeData: type, RefTransactionId: tx, RequestID: 'c', ...fields });
        const response = await stream.next();
        assert.deepEqual([brief(response), response.TransactionId], [`c|${type}|${error}`, tx]);
      }
      stream.request({ RequestTypeData: T.CloseByClient, RefTransactionId: tx });
      await stream.expectNothing(NO_ANSWER_MS);
    } finally {
      stream.cancel();
    }
    assert.deepEqual(await env.queues.peekBodies(channel), []);
  });
});
