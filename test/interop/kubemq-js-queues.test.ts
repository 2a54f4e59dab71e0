// Interop with the official KubeMQ Node SDK (kubemq-js 1.2.3) for queues:
// send, batch, pull, peek, ack all and the stream transaction, against the
// broker under test. Bodies go as Buffers and tags are left out (§14).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { QueuesClient, type QueueTransactionMessage } from 'kubemq-js';
import { KubeMQErrorText as E } from '../../lib';
import { startTestBroker, uniqueChannel, type TestBrokerHandle } from '../support/broker';
import { RawKubeMQClient } from '../support/raw-kubemq-client';
import { bodyText, deliveries, RawQueueClient } from '../support/raw-queue-client';

let broker: TestBrokerHandle;
let raw: RawKubeMQClient;
let queues: RawQueueClient;
let sdk: QueuesClient;

before(async () => {
  broker = await startTestBroker();
  raw = new RawKubeMQClient(broker.address);
  queues = new RawQueueClient(raw);
  sdk = new QueuesClient({ address: broker.address, clientId: 'sdk-queues', reconnectInterval: 0 });
});

after(async () => {
  sdk.close();
  raw.close();
  await broker.stop();
});

const bytes = (text: string): Buffer => Buffer.from(text);
const text = (body: Uint8Array | string | undefined): string =>
  typeof body === 'string' ? body : Buffer.from(body ?? []).toString();

/**
 * Runs one SDK transaction on `channel`: `handle` gets the message (or the
 * error the broker answered with). Resolves when the broker ends the stream.
 */
async function transaction(
  channel: string,
  handle: (message: QueueTransactionMessage | null, error: Error | null) => void,
  visibilitySeconds = 5,
): Promise<void> {
  await sdk.transaction({ channel, waitTimeoutSeconds: 1, visibilitySeconds }, (error, message) => {
    // The SDK also calls back once, with neither, when its first write is done.
    if (error || message) handle(message, error);
  });
}

describe('kubemq-js QueuesClient', { concurrency: true }, () => {
  it('sends, and pulls what it sent', async () => {
    const channel = uniqueChannel('sdk-queue');
    const sent = await sdk.send({ id: 'sdk-1', channel, metadata: 'md', body: bytes('hello') });
    assert.deepEqual([sent.id, sent.isError, sent.error], ['sdk-1', false, '']);
    assert.ok(Number(sent.sentAt) > 0);
    const pulled = await sdk.pull({ channel, maxNumberOfMessages: 5, waitTimeoutSeconds: 1 });
    assert.deepEqual([pulled.isError, pulled.messagesReceived], [false, 1]);
    const [message] = pulled.messages;
    assert.deepEqual(
      [message.id, message.channel, message.clientId, message.metadata, text(message.body)],
      ['sdk-1', channel, 'sdk-queues', 'md', 'hello'],
    );
    assert.equal(Number(message.attributes?.sequence), 1);
    assert.equal(message.attributes?.receiveCount, 1);
  });

  it('sends a batch with per-message results, peeks, then acks all', async () => {
    const channel = uniqueChannel('sdk-queue');
    const results = await sdk.batch([
      { channel, metadata: '', body: bytes('1') },
      { channel: 'a b', metadata: '', body: bytes('bad') },
      { channel, metadata: '', body: bytes('2') },
    ]);
    assert.deepEqual(
      results.map((r) => r.error),
      ['', E.invalidQueueName, ''],
    );
    const peeked = await sdk.peek({ channel, maxNumberOfMessages: 2, waitTimeoutSeconds: 1 });
    assert.equal(peeked.isPeek, true);
    assert.deepEqual(
      peeked.messages.map((m) => text(m.body)),
      ['1', '2'],
    );
    const acked = await sdk.ackAll({ channel, waitTimeoutSeconds: 1 });
    assert.deepEqual([acked.isError, Number(acked.affectedMessages)], [false, 2]);
    assert.deepEqual(await queues.peekBodies(channel), []);
  });

  it('reports validation errors in-band', async () => {
    const pulled = await sdk.pull({
      channel: 'a b',
      maxNumberOfMessages: 1,
      waitTimeoutSeconds: 1,
    });
    assert.deepEqual([pulled.isError, pulled.error], [true, E.invalidQueueName]);
    const sent = await sdk.send({ channel: 'q', metadata: '', body: Buffer.alloc(0) });
    assert.deepEqual([sent.isError, sent.error], [true, E.emptyMessage]);
  });

  it('sends with a delay and an expiry', async () => {
    const sent = await sdk.send({
      channel: uniqueChannel('sdk-queue'),
      metadata: '',
      body: bytes('later'),
      policy: { delaySeconds: 5, expirationSeconds: 60 },
    });
    assert.equal(sent.isError, false);
    assert.ok(Number(sent.delayedTo) > Number(sent.sentAt));
    assert.ok(Number(sent.expirationAt) > Number(sent.delayedTo));
  });
});

describe('kubemq-js stream transactions', { concurrency: true }, () => {
  it('acks a message', async () => {
    const channel = uniqueChannel('sdk-tx');
    await queues.sendBodies(channel, ['1', '2']);
    const seen: string[] = [];
    await transaction(channel, (message, error) => {
      assert.ifError(error);
      seen.push(text(message!.message.body));
      void message!.ack();
    });
    assert.deepEqual(seen, ['1']);
    assert.deepEqual(await queues.peekBodies(channel), ['2']);
  });

  it('rejects a message, which comes back at the tail', async () => {
    const channel = uniqueChannel('sdk-tx');
    await queues.sendBodies(channel, ['1', '2']);
    await transaction(channel, (message) => void message?.reject());
    const rest = await queues.receive({ Channel: channel });
    assert.deepEqual(deliveries(rest.Messages), ['2#2/rc1', '1#3/rc2']);
  });

  it('extends the visibility, then acks', async () => {
    const channel = uniqueChannel('sdk-tx');
    await queues.sendBodies(channel, ['1']);
    await transaction(
      channel,
      (message) => {
        void message
          ?.extendVisibility(3)
          .then(() => new Promise((resolve) => setTimeout(resolve, 1500)))
          .then(() => message.ack());
      },
      1,
    );
    assert.deepEqual(await queues.peekBodies(channel), []);
  });

  it('resends to another channel, or replaces the message with a new one', async () => {
    const channel = uniqueChannel('sdk-tx');
    const target = uniqueChannel('sdk-tx-target');
    await queues.sendBodies(channel, ['original', 'second']);
    await transaction(channel, (message) => void message?.resendToChannel(target));
    await transaction(
      channel,
      (message) =>
        void message?.resendNewMessage({
          channel: target,
          metadata: '',
          body: bytes('replacement'),
        }),
    );
    const moved = await queues.receive({ Channel: target });
    assert.deepEqual(moved.Messages.map(bodyText), ['original', 'replacement']);
    assert.deepEqual(await queues.peekBodies(channel), []);
  });

  it('passes the broker error on when no message comes', async () => {
    const errors: string[] = [];
    await transaction(uniqueChannel('sdk-tx'), (_message, error) =>
      errors.push(error?.message ?? ''),
    );
    assert.deepEqual(errors, [E.noNewMessage]);
  });
});
