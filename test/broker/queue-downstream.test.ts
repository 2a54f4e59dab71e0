// QueuesDownstream as KubeMQ Community runs it (§6.6): Get opens a
// transaction; settlements answer only on error; "closed" transactions;
// release in place on CloseByClient or when the stream goes away.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KubeMQErrorText as E } from '../../lib/kubemq/errors';
import {
  makeQueuePolicy,
  QueuesDownstreamRequestType as T,
  type QueuesDownstreamResponse,
} from '../../lib/kubemq/queues/queue-messages';
import { uniqueChannel } from '../support/broker';
import { delay, within } from '../support/raw-kubemq-client';
import { bodyText, deliveries, useQueueClient, type Downstream } from '../support/raw-queue-client';

const env = useQueueClient();
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Long enough to see that a settlement gets no answer. */
const NO_ANSWER_MS = 400;

/** `refRequestId|type|error` of a response. */
const brief = (response: QueuesDownstreamResponse): string =>
  `${response.RefRequestId}|${response.RequestTypeData}|${response.Error}`;

/** Opens a downstream and Gets up to `max` messages of `channel` on it. */
async function getOn(
  channel: string,
  max: number,
  stream: Downstream = env.queues.downstream(),
): Promise<[Downstream, QueuesDownstreamResponse]> {
  stream.request({ RequestTypeData: T.Get, Channel: channel, MaxItems: max, RequestID: 'get' });
  const got = await stream.next(5000);
  assert.equal(got.IsError, false, got.Error);
  return [stream, got];
}

/** The transaction's active offsets, sorted (the real server lists them in map order). */
async function activeOffsets(stream: Downstream, transactionId: string): Promise<string[]> {
  stream.request({
    RequestTypeData: T.ActiveOffsets,
    RefTransactionId: transactionId,
    RequestID: 'ao',
  });
  const response = await stream.next();
  assert.equal(response.IsError, false, response.Error);
  assert.deepEqual(
    [response.TransactionId, response.RequestTypeData],
    [transactionId, T.ActiveOffsets],
  );
  return [...response.ActiveOffsets].sort((a, b) => Number(a) - Number(b));
}

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

  it('NAck puts messages back at the tail with ReceiveCount kept', async () => {
    const channel = uniqueChannel('q-down');
    await env.queues.sendBodies(channel, ['1', '2', '3']);
    const [stream, got] = await getOn(channel, 3);
    const tx = got.TransactionId;
    try {
      stream.request({
        RequestTypeData: T.NAckRange,
        RefTransactionId: tx,
        SequenceRange: [],
        RequestID: 'n0',
      });
      assert.equal(brief(await stream.next()), `n0|5|${E.downstreamNAckEmptyRange}`);
      stream.request({
        RequestTypeData: T.NAckRange,
        RefTransactionId: tx,
        SequenceRange: ['9'],
        RequestID: 'n1',
      });
      assert.equal(brief(await stream.next()), `n1|5|${E.downstreamInvalidNAckSequence}9`);
      stream.request({ RequestTypeData: T.NAckRange, RefTransactionId: tx, SequenceRange: ['2'] });
      await stream.expectNothing(NO_ANSWER_MS);
      assert.deepEqual(await activeOffsets(stream, tx), ['1', '3']);
      stream.request({ RequestTypeData: T.NAckAll, RefTransactionId: tx });
      await stream.expectNothing(NO_ANSWER_MS);
    } finally {
      stream.cancel();
    }
    const back = await env.queues.receive({ Channel: channel });
    assert.deepEqual(deliveries(back.Messages), ['2#4/rc2', '1#5/rc2', '3#6/rc2']);
  });

  it('ReQueue sends copies to another queue (not re-routed) and acks the originals', async () => {
    const channel = uniqueChannel('q-down');
    const target = uniqueChannel('q-down-target');
    await env.queues.sendBodies(channel, ['1', '2', '3']);
    const [stream, got] = await getOn(channel, 3);
    const tx = got.TransactionId;
    try {
      const refusals: [number, object, string][] = [
        [T.ReQueueAll, { ReQueueChannel: '' }, E.downstreamReQueueNoChannel],
        [T.ReQueueRange, { ReQueueChannel: '', SequenceRange: [] }, E.downstreamReQueueNoChannel],
        [
          T.ReQueueRange,
          { ReQueueChannel: target, SequenceRange: [] },
          E.downstreamReQueueEmptyRange,
        ],
        [
          T.ReQueueRange,
          { ReQueueChannel: target, SequenceRange: ['9'] },
          `${E.downstreamInvalidAckSequence}9`,
        ],
      ];
      for (const [type, fields, error] of refusals) {
        stream.request({ RequestTypeData: type, RefTransactionId: tx, RequestID: 'q', ...fields });
        assert.equal(brief(await stream.next()), `q|${type}|${error}`);
      }
      stream.request({
        RequestTypeData: T.ReQueueRange,
        RefTransactionId: tx,
        ReQueueChannel: 'a..b',
        SequenceRange: ['1'],
        RequestID: 'f',
      });
      assert.equal(
        brief(await stream.next()),
        `f|7|${E.downstreamReQueueFailedPrefix}1 failed, ${E.stanInvalidPublish}`,
      );
      stream.request({
        RequestTypeData: T.ReQueueAll,
        RefTransactionId: tx,
        ReQueueChannel: 'a b',
        RequestID: 'g',
      });
      const failed = await stream.next();
      // The real server goes through its transaction map in random order.
      assert.match(failed.Error, /^re-queue message with seq [123] failed, Error 120: /);
      assert.deepEqual(
        await activeOffsets(stream, tx),
        ['1', '2', '3'],
        'a failed re-queue settles nothing',
      );
      stream.request({
        RequestTypeData: T.ReQueueRange,
        RefTransactionId: tx,
        ReQueueChannel: target,
        SequenceRange: ['2'],
      });
      await stream.expectNothing(NO_ANSWER_MS);
      stream.request({
        RequestTypeData: T.ReQueueAll,
        RefTransactionId: tx,
        ReQueueChannel: target,
      });
      await stream.expectNothing(NO_ANSWER_MS);
    } finally {
      stream.cancel();
    }
    const copies = (await env.queues.receive({ Channel: target })).Messages;
    const byBody = new Map(copies.map((message) => [bodyText(message), message]));
    assert.deepEqual([...byBody.keys()].sort(), ['1', '2', '3']);
    assert.equal(byBody.get('2')?.Attributes?.Sequence, '1', 'the range went first');
    assert.deepEqual(
      copies.map((m) => m.Attributes?.ReRouted),
      [false, false, false],
    );
    assert.deepEqual(
      copies.map((m) => m.Channel),
      [target, target, target],
    );
    assert.equal(copies[0].Attributes?.ReceiveCount, 1);
    assert.deepEqual(await env.queues.peekBodies(channel), []);
  });

  it('CloseByClient, or the stream going away, gives unsettled messages back in place', async () => {
    const channel = uniqueChannel('q-down');
    await env.queues.sendBodies(channel, ['1', '2', '3', '4']);
    const [stream, first] = await getOn(channel, 2);
    try {
      stream.request({ RequestTypeData: T.CloseByClient, RefTransactionId: first.TransactionId });
      await stream.expectNothing(NO_ANSWER_MS);
      stream.request({
        RequestTypeData: T.ActiveOffsets,
        RefTransactionId: first.TransactionId,
        RequestID: 'ao',
      });
      assert.equal(brief(await stream.next()), `ao|8|${E.downstreamOffsetsClosed}`);
      const [, second] = await getOn(channel, 3, stream);
      assert.deepEqual(deliveries(second.Messages), ['1#1/rc1', '2#2/rc1', '3#3/rc1']);
    } finally {
      stream.cancel();
    }
    await within(stream.ended, 5000, 'cancel');
    await delay(200);
    const back = await env.queues.receive({ Channel: channel });
    assert.deepEqual(deliveries(back.Messages), ['1#1/rc1', '2#2/rc1', '3#3/rc1', '4#4/rc1']);
  });

  it('dead-letters a NAcked message that reached MaxReceiveCount', async () => {
    const channel = uniqueChannel('q-down');
    const dlq = uniqueChannel('q-down-dlq');
    await env.queues.send({
      Channel: channel,
      Body: Buffer.from('x'),
      Policy: makeQueuePolicy({ MaxReceiveCount: 1, MaxReceiveQueue: dlq }),
    });
    const [stream, got] = await getOn(channel, 1);
    try {
      stream.request({ RequestTypeData: T.NAckAll, RefTransactionId: got.TransactionId });
      await stream.expectNothing(NO_ANSWER_MS);
    } finally {
      stream.cancel();
    }
    const [dead] = (await env.queues.receive({ Channel: dlq, MaxNumberOfMessages: 1 })).Messages;
    assert.deepEqual(
      [dead.Attributes?.ReRouted, dead.Attributes?.ReRoutedFromQueue, dead.MessageID],
      [true, channel, got.Messages[0].MessageID],
    );
  });
});
