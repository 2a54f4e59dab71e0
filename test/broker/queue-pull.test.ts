// Pull receive (§6.3) and AckAll (§6.4): validation, the full wait unless the
// batch fills, peek, expiry, and AckAll's count.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KubeMQErrorText as E } from '../../lib/kubemq/errors';
import { makeQueuePolicy } from '../../lib/kubemq/queues/queue-messages';
import { uniqueChannel } from '../support/broker';
import { delay } from '../support/raw-kubemq-client';
import { bodyText, deliveries, useQueueClient } from '../support/raw-queue-client';

const env = useQueueClient();
const NUID = /^[0-9A-Za-z]{22}$/;

/** How long `promise` took, in ms, with its value. */
async function timed<T>(promise: Promise<T>): Promise<[T, number]> {
  const start = Date.now();
  const value = await promise;
  return [value, Date.now() - start];
}

describe('ReceiveQueueMessages validation', { concurrency: true }, () => {
  it('checks ClientID, channel, batch size, wait, then the subscription, in-band', async () => {
    const channel = uniqueChannel('q-pull');
    const cases: [string, object, string][] = [
      ['ClientID first', { ClientID: '', Channel: 'a b', MaxNumberOfMessages: 0 }, E.emptyClientId],
      ['channel', { Channel: 'a b', MaxNumberOfMessages: 0 }, E.invalidQueueName],
      ['wildcard', { Channel: 'a.*' }, E.invalidQueueName],
      [
        '0 messages',
        { Channel: channel, MaxNumberOfMessages: 0, WaitTimeSeconds: -1 },
        E.invalidMaxMessages,
      ],
      ['-1 messages', { Channel: channel, MaxNumberOfMessages: -1 }, E.invalidMaxMessages],
      ['1025 messages', { Channel: channel, MaxNumberOfMessages: 1025 }, E.invalidMaxMessages],
      ['wait -1', { Channel: channel, WaitTimeSeconds: -1 }, E.invalidWaitTimeout],
      ['wait 3601', { Channel: channel, WaitTimeSeconds: 3601 }, E.invalidWaitTimeout],
      [
        'batch size before the subscription',
        { Channel: 'a:b', MaxNumberOfMessages: 0 },
        E.invalidMaxMessages,
      ],
      ['a colon', { Channel: `${channel}:x` }, E.queueSubscribeFailed],
      ['an empty token', { Channel: 'a..b' }, E.queueSubscribeFailed],
    ];
    for (const [what, fields, error] of cases) {
      const response = await env.queues.receive(fields);
      assert.equal(response.Error, error, what);
      assert.equal(response.IsError, true, what);
      assert.equal(response.Messages.length, 0, what);
      assert.match(response.RequestID, NUID, `${what}: RequestID generated`);
    }
    assert.ok(E.invalidMaxMessages.endsWith('config  '), 'two trailing spaces');
    const peek = await env.queues.receive({
      Channel: channel,
      MaxNumberOfMessages: 0,
      IsPeak: true,
      RequestID: 'mine',
    });
    assert.deepEqual([peek.RequestID, peek.IsPeak, peek.IsError], ['mine', true, true]);
  });
});

describe('ReceiveQueueMessages', { concurrency: true }, () => {
  it('waits the whole WaitTimeSeconds (0 means 1 s) when the batch does not fill', async () => {
    const channel = uniqueChannel('q-pull');
    const [empty, emptyMs] = await timed(
      env.queues.receive({ Channel: channel, WaitTimeSeconds: 0 }),
    );
    assert.deepEqual([empty.IsError, empty.Messages.length, empty.MessagesReceived], [false, 0, 0]);
    assert.ok(emptyMs >= 900, `waited ${emptyMs} ms`);
    await env.queues.sendBodies(channel, ['1', '2']);
    const [some, someMs] = await timed(
      env.queues.receive({ Channel: channel, MaxNumberOfMessages: 5 }),
    );
    assert.deepEqual(deliveries(some.Messages), ['1#1/rc1', '2#2/rc1']);
    assert.equal(some.MessagesReceived, 2);
    assert.ok(someMs >= 900, `waited ${someMs} ms for a batch of 5`);
  });

  it('returns as soon as the batch fills, in FIFO order, consuming what it returns', async () => {
    const channel = uniqueChannel('q-pull');
    await env.queues.sendBodies(channel, ['1', '2', '3']);
    const [first, ms] = await timed(
      env.queues.receive({ Channel: channel, MaxNumberOfMessages: 2, WaitTimeSeconds: 10 }),
    );
    assert.ok(ms < 8000, `a full batch does not wait out the 10 s (${ms} ms)`);
    assert.deepEqual(deliveries(first.Messages), ['1#1/rc1', '2#2/rc1']);
    assert.equal(first.IsPeak, false);
    const rest = await env.queues.receive({ Channel: channel, MaxNumberOfMessages: 1 });
    assert.deepEqual(deliveries(rest.Messages), ['3#3/rc1']);
  });

  it('gets messages sent while it waits', async () => {
    const channel = uniqueChannel('q-pull');
    const pending = env.queues.receive({
      Channel: channel,
      MaxNumberOfMessages: 2,
      WaitTimeSeconds: 5,
    });
    await delay(200);
    await env.queues.sendBodies(channel, ['late-1', 'late-2']);
    const response = await pending;
    assert.deepEqual(response.Messages.map(bodyText), ['late-1', 'late-2']);
  });

  it('peeks without consuming: same sequence and ReceiveCount on the later pull', async () => {
    const channel = uniqueChannel('q-pull');
    await env.queues.sendBodies(channel, ['1', '2']);
    for (let i = 0; i < 2; i += 1) {
      const peek = await env.queues.receive({
        Channel: channel,
        MaxNumberOfMessages: 2,
        IsPeak: true,
        RequestID: 'peek',
      });
      assert.deepEqual([peek.RequestID, peek.IsPeak], ['peek', true]);
      assert.deepEqual(deliveries(peek.Messages), ['1#1/rc1', '2#2/rc1']);
    }
    const pull = await env.queues.receive({ Channel: channel, MaxNumberOfMessages: 2 });
    assert.deepEqual(deliveries(pull.Messages), ['1#1/rc1', '2#2/rc1']);
  });

  it('consumes expired messages silently and counts them in MessagesExpired', async () => {
    const channel = uniqueChannel('q-pull');
    await env.queues.send({ Channel: channel, Body: Buffer.from('keep-1') });
    await env.queues.send({
      Channel: channel,
      Body: Buffer.from('expires'),
      Policy: makeQueuePolicy({ ExpirationSeconds: 1 }),
    });
    await env.queues.send({ Channel: channel, Body: Buffer.from('keep-2') });
    await delay(1500);
    const response = await env.queues.receive({ Channel: channel, MaxNumberOfMessages: 5 });
    assert.deepEqual(deliveries(response.Messages), ['keep-1#1/rc1', 'keep-2#3/rc1']);
    assert.equal(response.MessagesReceived, 2);
    assert.equal(response.MessagesExpired, 1);
  });

  it('shows an unexpired message its ExpirationAt', async () => {
    const channel = uniqueChannel('q-pull');
    const sent = await env.queues.send({
      Channel: channel,
      Policy: makeQueuePolicy({ ExpirationSeconds: 60 }),
    });
    const [message] = (await env.queues.receive({ Channel: channel, MaxNumberOfMessages: 1 }))
      .Messages;
    assert.equal(message.Attributes?.ExpirationAt, sent.ExpirationAt);
    assert.equal(message.Policy?.ExpirationSeconds, 60);
  });
});

describe('AckAllQueueMessages', { concurrency: true }, () => {
  it('validates ClientID, channel and wait in-band', async () => {
    const cases: [object, string][] = [
      [{ ClientID: '', Channel: '', WaitTimeSeconds: -1 }, E.emptyClientId],
      [{ Channel: 'a.', WaitTimeSeconds: -1 }, E.invalidQueueName],
      [{ Channel: uniqueChannel('q-ackall'), WaitTimeSeconds: 3601 }, E.invalidWaitTimeout],
      [{ Channel: 'a:b' }, E.queueSubscribeFailed],
    ];
    for (const [fields, error] of cases) {
      const response = await env.queues.ackAll(fields);
      assert.deepEqual(
        [response.IsError, response.Error, response.AffectedMessages],
        [true, error, '0'],
      );
      assert.match(response.RequestID, NUID);
    }
  });

  it('consumes everything, expired included, waits the whole time and spares delayed messages', async () => {
    const channel = uniqueChannel('q-ackall');
    await env.queues.sendBodies(channel, ['1', '2']);
    await env.queues.send({ Channel: channel, Policy: makeQueuePolicy({ ExpirationSeconds: 1 }) });
    await env.queues.send({
      Channel: channel,
      Body: Buffer.from('delayed'),
      Policy: makeQueuePolicy({ DelaySeconds: 4 }),
    });
    await delay(1100);
    const [response, ms] = await timed(
      env.queues.ackAll({ Channel: channel, WaitTimeSeconds: 0, RequestID: 'all' }),
    );
    assert.deepEqual(
      [response.RequestID, response.IsError, response.AffectedMessages],
      ['all', false, '3'],
    );
    assert.ok(ms >= 900, `waited ${ms} ms`);
    assert.deepEqual(await env.queues.peekBodies(channel), [], 'nothing left but the delayed one');
    await delay(2500);
    const later = await env.queues.receive({ Channel: channel });
    assert.deepEqual(later.Messages.map(bodyText), ['delayed']);
  });

  it('also consumes what arrives during its wait', async () => {
    const channel = uniqueChannel('q-ackall');
    const pending = env.queues.ackAll({ Channel: channel, WaitTimeSeconds: 2 });
    await delay(300);
    await env.queues.sendBodies(channel, ['a', 'b']);
    assert.equal((await pending).AffectedMessages, '2');
  });
});
