// Queue sends (§6.1): SendQueueMessage, with the server's validation order and texts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KubeMQErrorText as E } from '../../lib/kubemq/errors';
import { uniqueChannel } from '../support/broker';
import { bodyText, type queueMessage, useQueueClient } from '../support/raw-queue-client';

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
