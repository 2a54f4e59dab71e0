import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  KubeMQConnection,
  QueueTransaction,
  makeQueueMessage,
  makeQueuePolicy,
  type QueueMessage,
  type QueueTransactionOptions,
  type SendQueueMessageResult,
} from '../../lib';
import { startTestBroker, uniqueChannel, type TestBrokerHandle } from '../support/broker';
import { delay } from '../support/nest';

describe('QueueTransaction (protocol layer, no Nest)', () => {
  let broker: TestBrokerHandle;
  let connection: KubeMQConnection;

  before(async () => {
    broker = await startTestBroker();
    connection = new KubeMQConnection({ address: broker.address, clientId: 'proto-queues' });
    await connection.connect();
  });

  after(async () => {
    connection?.close();
    await broker?.stop();
  });

  const open = (channel: string, options: Partial<QueueTransactionOptions> = {}) =>
    new QueueTransaction(connection, {
      channel,
      clientId: connection.clientId,
      visibilitySeconds: 10,
      waitSeconds: 1,
      ...options,
    });

  const send = (channel: string, body: string, maxReceiveCount = 0) =>
    connection.call<QueueMessage, SendQueueMessageResult>(
      'SendQueueMessage',
      makeQueueMessage({
        ClientID: connection.clientId,
        Channel: channel,
        Body: Buffer.from(body),
        Policy: makeQueuePolicy({ MaxReceiveCount: maxReceiveCount }),
      }),
    );

  /** Receives the next message in a fresh transaction (fails when none comes within 2 s). */
  async function next(channel: string, options: Partial<QueueTransactionOptions> = {}) {
    const transaction = open(channel, { waitSeconds: 2, ...options });
    const message = await transaction.receive();
    assert.ok(message, 'a message');
    return { transaction, message };
  }

  it('an empty queue: receive() resolves empty after the wait', async () => {
    const transaction = open(uniqueChannel('tx-empty'));
    const started = Date.now();
    assert.equal(await transaction.receive(), undefined);
    assert.equal(transaction.emptyReason, 'empty');
    assert.ok(Date.now() - started >= 900);
  });

  it('ack() resolves once the broker removed the message', async () => {
    const channel = uniqueChannel('tx-ack');
    const sent = await send(channel, 'one');
    const { transaction, message } = await next(channel);
    assert.equal(message.MessageID, sent.MessageID);
    assert.equal(message.Attributes?.ReceiveCount, 1);
    await transaction.ack();
    assert.equal(transaction.isSettled, true);
    await assert.rejects(transaction.ack(), /already being settled|over/);
    assert.equal(await open(channel).receive(), undefined);
  });

  it('reject() puts it back with ReceiveCount + 1; past MaxReceiveCount it is gone', async () => {
    const channel = uniqueChannel('tx-reject');
    await send(channel, 'twice', 2);
    const first = await next(channel);
    await first.transaction.reject();
    const second = await next(channel);
    assert.equal(second.message.Attributes?.ReceiveCount, 2);
    assert.ok(
      BigInt(second.message.Attributes!.Sequence) > BigInt(first.message.Attributes!.Sequence),
    );
    await second.transaction.reject();
    assert.equal(await open(channel).receive(), undefined, 'dropped: no dead-letter queue');
  });

  it('abandon() while holding hands the message back (ReceiveCount + 1) and reports it lost', async () => {
    const channel = uniqueChannel('tx-abandon');
    await send(channel, 'handed back');
    const { transaction } = await next(channel);
    const lost = new Promise<Error>((resolve) => transaction.onLost(resolve));
    transaction.abandon();
    assert.match((await lost).message, /handed back/);
    await assert.rejects(transaction.ack(), /handed back/);
    const again = await next(channel);
    assert.equal(again.message.Attributes?.ReceiveCount, 2);
    await again.transaction.ack();
  });

  it('the visibility runs out without an extension: lost, and delivered again', async () => {
    const channel = uniqueChannel('tx-visibility');
    await send(channel, 'slow');
    const { transaction } = await next(channel, { visibilitySeconds: 1 });
    const lost = new Promise<Error>((resolve) => transaction.onLost(resolve));
    assert.match((await lost).message, /Error 129: current visibility timer expired/);
    await assert.rejects(transaction.ack(), /129/);
    const again = await next(channel);
    assert.equal(again.message.Attributes?.ReceiveCount, 2);
    await again.transaction.ack();
  });

  it('extendVisibility() keeps the message past its first visibility', async () => {
    const channel = uniqueChannel('tx-extend');
    await send(channel, 'kept');
    const { transaction } = await next(channel, { visibilitySeconds: 1 });
    for (let i = 0; i < 4; i += 1) {
      await delay(500);
      await transaction.extendVisibility(1);
    }
    assert.equal(transaction.lostReason, undefined);
    await transaction.ack();
    assert.equal(await open(channel).receive(), undefined);
  });

  it('resend() moves the message to another queue', async () => {
    const channel = uniqueChannel('tx-resend');
    const target = `${channel}-target`;
    const sent = await send(channel, 'moved');
    const { transaction } = await next(channel);
    await transaction.resend(target);
    const moved = await next(target);
    assert.equal(moved.message.MessageID, sent.MessageID);
    assert.equal(moved.message.Attributes?.ReceiveCount, 1);
    await moved.transaction.ack();
    assert.equal(await open(channel).receive(), undefined);
  });

  it("a refused receive rejects with KubeMQ's text", async () => {
    await assert.rejects(open('bad queue').receive(), /Error 120: invalid queue name value/);
    await assert.rejects(
      open(uniqueChannel('tx-bad'), { visibilitySeconds: 43_201 }).receive(),
      /Error 127: invalid visibility time/,
    );
  });
});
