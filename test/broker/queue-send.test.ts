// Queue sends (§6.1): SendQueueMessage, SendQueueMessagesBatch, QueuesUpstream
// and QueuesInfo, with the server's validation order and texts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KubeMQErrorText as E } from '../../lib/kubemq/errors';
import { uniqueChannel } from '../support/broker';
import { expectCallError, status, within } from '../support/raw-kubemq-client';
import { bodyText, queueMessage, useQueueClient } from '../support/raw-queue-client';

const env = useQueueClient();
const NUID = /^[0-9A-Za-z]{22}$/;
const nowNs = (): bigint => BigInt(Date.now()) * 1_000_000n;
const SECOND_NS = 1_000_000_000n;

/** Asserts an int64 ns string lies within [from, to] widened by a second. */
function assertNanosBetween(value: string, from: bigint, to: bigint): void {
  const ns = BigInt(value);
  assert.ok(ns >= from - SECOND_NS && ns <= to + SECOND_NS, `${value} is a Unix ns time now`);
}

describe('SendQueueMessage', { concurrency: true }, () => {
  it('answers with a generated MessageID, SentAt in ns and no error', async () => {
    const before = nowNs();
    const result = await env.queues.send({ Channel: uniqueChannel('q-send') });
    assert.match(result.MessageID, NUID);
    assert.equal(result.IsError, false);
    assert.equal(result.Error, '');
    assertNanosBetween(result.SentAt, before, nowNs());
    assert.equal(result.ExpirationAt, '0');
    assert.equal(result.DelayedTo, '0');
    assert.equal(result.RefChannel, '');
  });

  it('keeps a given MessageID, and stores what was sent except the attributes', async () => {
    const channel = uniqueChannel('q-send');
    const sent = await env.queues.send({
      MessageID: 'my-id',
      ClientID: 'sender',
      Channel: channel,
      Metadata: 'meta',
      Body: Buffer.from('body'),
      Tags: { k: 'v' },
      // Ignored: the server replaces the attributes.
      Attributes: {
        Timestamp: '7',
        Sequence: '99',
        MD5OfBody: 'x',
        ReceiveCount: 5,
        ReRouted: true,
        ReRoutedFromQueue: 'elsewhere',
        ExpirationAt: '1',
        DelayedTo: '1',
      },
    });
    assert.equal(sent.MessageID, 'my-id');
    const [message] = (await env.queues.receive({ Channel: channel, MaxNumberOfMessages: 1 }))
      .Messages;
    assert.equal(message.MessageID, 'my-id');
    assert.equal(message.ClientID, 'sender');
    assert.equal(message.Channel, channel);
    assert.equal(message.Metadata, 'meta');
    assert.equal(bodyText(message), 'body');
    assert.deepEqual(message.Tags, { k: 'v' });
    assert.equal(message.Attributes?.Sequence, '1');
    assert.equal(message.Attributes?.ReceiveCount, 1);
    assert.equal(message.Attributes?.ReRouted, false);
    assert.equal(message.Attributes?.ReRoutedFromQueue, '');
    assert.equal(message.Attributes?.MD5OfBody, '');
    assert.equal(message.Attributes?.ExpirationAt, '0');
    assertNanosBetween(message.Attributes?.Timestamp ?? '0', BigInt(sent.SentAt), nowNs());
  });

  it('stores MaxReceiveCount 0, or no policy at all, as 1024', async () => {
    const channel = uniqueChannel('q-send');
    await env.queues.send({ Channel: channel });
    await env.queues.send({
      Channel: channel,
      Policy: { ExpirationSeconds: 0, DelaySeconds: 0, MaxReceiveCount: 0, MaxReceiveQueue: '' },
    });
    await env.queues.send({
      Channel: channel,
      Policy: { ExpirationSeconds: 0, DelaySeconds: 0, MaxReceiveCount: 7, MaxReceiveQueue: '' },
    });
    const { Messages } = await env.queues.receive({ Channel: channel, MaxNumberOfMessages: 3 });
    assert.deepEqual(
      Messages.map((m) => m.Policy?.MaxReceiveCount),
      [1024, 1024, 7],
    );
  });

  it('computes ExpirationAt (expiry + delay) and DelayedTo in exact nanoseconds', async () => {
    const before = nowNs();
    const result = await env.queues.send({
      Channel: uniqueChannel('q-send'),
      Policy: { ExpirationSeconds: 10, DelaySeconds: 5, MaxReceiveCount: 0, MaxReceiveQueue: '' },
    });
    assert.equal(result.IsError, false);
    const expiration = BigInt(result.ExpirationAt);
    const delayedTo = BigInt(result.DelayedTo);
    // Both come from one clock reading: the difference is exactly 10 s.
    assert.equal(expiration - delayedTo, 10n * SECOND_NS);
    assertNanosBetween(String(delayedTo - 5n * SECOND_NS), before, nowNs());
  });

  it('refuses invalid messages in the server order, with a MessageID and SentAt 0', async () => {
    const channel = uniqueChannel('q-send');
    const policy = (fields: object) => ({
      ExpirationSeconds: 0,
      DelaySeconds: 0,
      MaxReceiveCount: 0,
      MaxReceiveQueue: '',
      ...fields,
    });
    const cases: [string, Parameters<typeof queueMessage>[0], string][] = [
      [
        'no ClientID first',
        { ClientID: '', Channel: 'a b', Body: Buffer.alloc(0) },
        E.emptyClientId,
      ],
      ['empty channel', { Channel: '' }, E.invalidQueueName],
      ['trailing dot', { Channel: `${channel}.` }, E.invalidQueueName],
      ['space', { Channel: 'a b' }, E.invalidQueueName],
      ['*', { Channel: 'a*' }, E.invalidQueueName],
      ['>', { Channel: 'a.>' }, E.invalidQueueName],
      ['channel before emptiness', { Channel: 'a b', Body: Buffer.alloc(0) }, E.invalidQueueName],
      ['empty message', { Channel: channel, Body: Buffer.alloc(0) }, E.emptyMessage],
      [
        'emptiness before policy',
        { Channel: channel, Body: Buffer.alloc(0), Policy: policy({ ExpirationSeconds: -1 }) },
        E.emptyMessage,
      ],
      [
        'expiration -1',
        { Channel: channel, Policy: policy({ ExpirationSeconds: -1 }) },
        E.invalidExpiration,
      ],
      [
        'expiration 43201',
        { Channel: channel, Policy: policy({ ExpirationSeconds: 43201 }) },
        E.invalidExpiration,
      ],
      [
        'expiration first of the policy',
        {
          Channel: channel,
          Policy: policy({ ExpirationSeconds: -1, MaxReceiveCount: -1, DelaySeconds: -1 }),
        },
        E.invalidExpiration,
      ],
      [
        'receive count -1',
        { Channel: channel, Policy: policy({ MaxReceiveCount: -1 }) },
        E.invalidMaxReceiveCount,
      ],
      [
        'receive count 1025, before delay',
        { Channel: channel, Policy: policy({ MaxReceiveCount: 1025, DelaySeconds: -1 }) },
        E.invalidMaxReceiveCount,
      ],
      ['delay -1', { Channel: channel, Policy: policy({ DelaySeconds: -1 }) }, E.invalidDelay],
      [
        'delay 43201, before the dead-letter queue',
        { Channel: channel, Policy: policy({ DelaySeconds: 43201, MaxReceiveQueue: 'a b' }) },
        E.invalidDelay,
      ],
      [
        'bad dead-letter queue',
        { Channel: channel, Policy: policy({ MaxReceiveQueue: 'dlq.' }) },
        E.invalidQueueName,
      ],
    ];
    for (const [what, fields, error] of cases) {
      const result = await env.queues.send(fields);
      assert.equal(result.Error, error, what);
      assert.equal(result.IsError, true, what);
      assert.match(result.MessageID, NUID, `${what}: the ID is generated before validation`);
      assert.equal(result.SentAt, '0', what);
    }
    // Metadata alone is a message.
    const metadataOnly = await env.queues.send({
      Channel: channel,
      Metadata: 'm',
      Body: Buffer.alloc(0),
    });
    assert.equal(metadataOnly.IsError, false);
  });

  it('fails in-band when the name is no valid subject below KubeMQ', async () => {
    for (const channel of ['a..b', '.a', 'a/b']) {
      const result = await env.queues.send({ Channel: channel });
      assert.equal(result.Error, E.stanInvalidPublish, channel);
      assert.equal(result.IsError, true, channel);
    }
    // A colon is fine for sending (receiving from it is not, see queue-pull).
    const colon = await env.queues.send({ Channel: `${uniqueChannel('q-send')}:x` });
    assert.equal(colon.IsError, false);
  });
});

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
