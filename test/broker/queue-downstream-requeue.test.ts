// QueuesDownstream (§6.6): NAck, ReQueue, CloseByClient, a stream that goes
// away, and dead letters.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KubeMQErrorText as E } from '../../lib/kubemq/errors';
import {
  makeQueuePolicy,
  QueuesDownstreamRequestType as T,
} from '../../lib/kubemq/queues/queue-messages';
import { uniqueChannel } from '../support/broker';
import { delay, within } from '../support/raw-kubemq-client';
import { bodyText, deliveries, useQueueClient, type Downstream } from '../support/raw-queue-client';
import { activeOffsets, brief, getOn as getOnWith, NO_ANSWER_MS } from './queue-downstream-helpers';

const env = useQueueClient();
/** Gets up to `max` messages of `channel` on `stream` (a new one by default). */
const getOn = (channel: string, max: number, stream?: Downstream) =>
  getOnWith(env.queues, channel, max, stream);

describe('QueuesDownstream NAck, ReQueue and release', { concurrency: true }, () => {
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
    const [ranged, ...all] = deliveries(back.Messages);
    assert.equal(ranged, '2#4/rc2');
    // NAckAll re-queues in the order of a Go map on the real server: any order, seqs 5 and 6.
    assert.deepEqual(all.map((d) => d.replace(/#\d+/, '')).sort(), ['1/rc2', '3/rc2']);
    assert.deepEqual(all.map((d) => /#(\d+)/.exec(d)?.[1]).sort(), ['5', '6']);
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
