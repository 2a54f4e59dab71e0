// Queue sends (§6.1): SendQueueMessagesBatch and QueuesUpstream, several messages per call,
// with the server's validation order and texts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KubeMQErrorText as E } from '../../lib/kubemq/errors';
import { uniqueChannel } from '../support/broker';
import { expectCallError, status } from '../support/raw-kubemq-client';
import { bodyText, queueMessage, useQueueClient } from '../support/raw-queue-client';

const env = useQueueClient();

describe('SendQueueMessagesBatch', { concurrency: true }, () => {
  it('refuses an empty batch with UNKNOWN "empty messages batch"', async () => {
    await expectCallError(env.queues.batch([], 'b1'), status.UNKNOWN, E.emptyBatch);
  });

  it('answers one result per message in order; HaveErrors only for publish failures', async () => {
    const channel = uniqueChannel('q-batch');
    const valid = await env.queues.batch(
      [
        { Channel: channel, Body: Buffer.from('1') },
        { Channel: channel, ClientID: '' },
        { Channel: channel, Body: Buffer.from('3') },
      ],
      'batch-1',
    );
    assert.equal(valid.BatchID, 'batch-1');
    assert.deepEqual(
      valid.Results.map((r) => r.Error),
      ['', E.emptyClientId, ''],
    );
    assert.equal(valid.HaveErrors, false, 'a validation failure is no publish error');
    const failing = await env.queues.batch([{ Channel: channel }, { Channel: 'a..b' }]);
    assert.equal(failing.BatchID, '', 'BatchID is echoed, never generated');
    assert.deepEqual(
      failing.Results.map((r) => r.Error),
      ['', E.stanInvalidPublish],
    );
    assert.equal(failing.HaveErrors, true);
    const { Messages } = await env.queues.receive({ Channel: channel });
    assert.deepEqual(Messages.map(bodyText), ['1', '3', 'b']);
    assert.deepEqual(
      Messages.map((m) => m.Attributes?.Sequence),
      ['1', '2', '3'],
    );
  });
});

describe('QueuesUpstream', () => {
  it('answers each request by RefRequestID, in-band errors included, and stays open', async () => {
    const channel = uniqueChannel('q-up');
    const stream = env.queues.upstream();
    try {
      stream.write({
        RequestID: 'u1',
        Messages: [
          queueMessage({ Channel: channel }),
          queueMessage({ Channel: channel, ClientID: '' }),
        ],
      });
      const first = await stream.next();
      assert.equal(first.RefRequestID, 'u1');
      assert.equal(first.IsError, false);
      assert.deepEqual(
        first.Results.map((r) => [r.IsError, r.Error]),
        [
          [false, ''],
          [true, E.emptyClientId],
        ],
      );
      stream.write({ RequestID: 'u2', Messages: [] });
      const empty = await stream.next();
      assert.deepEqual(
        [empty.RefRequestID, empty.IsError, empty.Error, empty.Results.length],
        ['u2', true, E.noMessagesToSend, 0],
      );
      stream.write({ RequestID: '', Messages: [queueMessage({ Channel: channel })] });
      assert.equal((await stream.next()).RefRequestID, '', 'no RequestID is generated');
      // A half-close does not end the stream: only the client's cancel does.
      stream.end();
      await stream.expectNothing(300);
      assert.equal(stream.isEnded, false);
      const { Messages } = await env.queues.receive({ Channel: channel });
      assert.equal(Messages.length, 2);
    } finally {
      stream.cancel();
    }
  });
});
