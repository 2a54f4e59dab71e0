// QueuesInfo (§6.1): the counters of the named queues after sends.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { uniqueChannel } from '../support/broker';
import { within } from '../support/raw-kubemq-client';
import { useQueueClient } from '../support/raw-queue-client';

const env = useQueueClient();

describe('QueuesInfo', () => {
  it('reports the named queues with their counters, and nothing for unknown names', async () => {
    const one = uniqueChannel('q-info');
    const two = uniqueChannel('q-info');
    await env.queues.sendBodies(one, ['a', 'b']);
    await env.queues.sendBodies(two, ['c']);
    const info = await within(env.queues.info(`${one};${two}`, 'i1'), 5000, 'QueuesInfo');
    assert.equal(info.RefRequestID, 'i1');
    assert.equal(info.Info?.TotalQueue, 2);
    const byName = new Map(info.Info?.Queues.map((q) => [q.Name, q]));
    const first = byName.get(one);
    assert.deepEqual(
      [first?.Messages, first?.FirstSequence, first?.LastSequence, first?.Sent, first?.Waiting],
      ['2', '1', '2', '2', '2'],
    );
    assert.equal(byName.get(two)?.LastSequence, '1');
    assert.equal(info.Info?.Sent, '3');
    assert.equal(info.Info?.Waiting, '3');
    const none = await env.queues.info(uniqueChannel('q-info-none'));
    assert.equal(none.Info?.TotalQueue, 0);
    assert.deepEqual(none.Info?.Queues, []);
  });
});
