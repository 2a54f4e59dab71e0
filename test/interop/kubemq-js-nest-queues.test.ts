import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller, type INestMicroservice } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { QueuesClient } from 'kubemq-js';
import { firstValueFrom } from 'rxjs';
import { type ClientKubeMQ, type KubeMQContext } from '../../lib';
import { startTestBroker, uniqueChannel, type TestBrokerHandle } from '../support/broker';
import { connectedClient, moduleWith, startMicroservice } from '../support/nest';
import { peekAll, waitFor } from '../support/queues';

const ch = {
  fromSdk: uniqueChannel('sdk-to-nest'),
  batchFromSdk: uniqueChannel('sdk-batch-to-nest'),
  toSdkPull: uniqueChannel('nest-to-sdk-pull'),
  toSdkTransaction: uniqueChannel('nest-to-sdk-tx'),
};

interface Seen {
  data: unknown;
  metadata: string;
  clientId: string;
  receiveCount: number;
  maxReceiveCount: number;
}
const seen: Seen[] = [];
const batch: unknown[] = [];

@Controller()
class NestConsumers {
  @EventPattern<string>(ch.fromSdk, { type: 'queue' })
  fromSdk(@Payload() data: unknown, @Ctx() ctx: KubeMQContext) {
    seen.push({
      data,
      metadata: ctx.getMetadata(),
      clientId: ctx.getClientId(),
      receiveCount: ctx.getReceiveCount(),
      maxReceiveCount: ctx.getQueueInfo()?.maxReceiveCount ?? -1,
    });
    if (ctx.getReceiveCount() === 1) throw new Error('first delivery fails');
  }

  @EventPattern<string>(ch.batchFromSdk, { type: 'queue', concurrency: 2 })
  batchFromSdk(@Payload() data: unknown) {
    batch.push(data);
  }
}

describe('interop: kubemq-js 1.2.3 queues and Nest', () => {
  let broker: TestBrokerHandle;
  let app: INestMicroservice;
  let client: ClientKubeMQ;
  let sdk: QueuesClient;

  before(async () => {
    broker = await startTestBroker();
    ({ app } = await startMicroservice(moduleWith({ controllers: [NestConsumers] }), {
      address: broker.address,
      clientId: 'nest-queue-consumer',
    }));
    client = await connectedClient({ address: broker.address, clientId: 'nest-queue-sender' });
    sdk = new QueuesClient({ address: broker.address, clientId: 'sdk-queues' });
  });

  after(async () => {
    await app?.close();
    client?.close();
    sdk?.close();
    await broker?.stop();
  });

  it('a message the SDK sends reaches a Nest handler; a failure hands it back to be redelivered', async () => {
    // The SDK reads a string body as base64 (see kubemq-protocol.md §14): send bytes.
    const result = await sdk.send({
      channel: ch.fromSdk,
      body: Buffer.from(JSON.stringify({ order: 17 })),
      metadata: 'from-sdk',
      policy: { maxReceiveCount: 3 },
    });
    assert.equal(result.isError, false, result.error);
    await waitFor('the second delivery', () => seen.length === 2);
    assert.deepEqual(
      seen.map((s) => [s.receiveCount, s.data]),
      [
        [1, { order: 17 }],
        [2, { order: 17 }],
      ],
    );
    assert.equal(seen[0].metadata, 'from-sdk');
    assert.equal(seen[0].clientId, 'sdk-queues');
    assert.equal(seen[0].maxReceiveCount, 3);
  });

  it("the SDK's batch reaches the Nest handler, every message once", async () => {
    const results = await sdk.batch(
      ['a', 'b', 'c'].map((text) => ({ channel: ch.batchFromSdk, body: Buffer.from(text) })),
    );
    assert.deepEqual(
      results.map((r) => r.isError),
      [false, false, false],
    );
    await waitFor('three messages', () => batch.length === 3);
    // Without our body tag a non-JSON body arrives as text.
    assert.deepEqual([...batch].sort(), ['a', 'b', 'c']);
  });

  it('a message ClientKubeMQ sends is pulled by the SDK', async () => {
    const sent = await firstValueFrom(
      client.sendToQueue(ch.toSdkPull, { invoice: 9 }, { metadata: 'from-nest' }),
    );
    const pulled = await sdk.pull({
      channel: ch.toSdkPull,
      maxNumberOfMessages: 1,
      waitTimeoutSeconds: 2,
    });
    assert.equal(pulled.isError, false, pulled.error);
    assert.equal(pulled.messages.length, 1);
    const [message] = pulled.messages;
    assert.equal(message.id, sent.messageId);
    assert.equal(message.metadata, 'from-nest');
    assert.equal(message.clientId, 'nest-queue-sender');
    assert.deepEqual(JSON.parse(Buffer.from(message.body as Uint8Array).toString('utf8')), {
      invoice: 9,
    });
    assert.equal(message.attributes?.receiveCount, 1);
  });

  it("a message ClientKubeMQ sends is received and acked in the SDK's transaction", async () => {
    await firstValueFrom(client.sendToQueue(ch.toSdkTransaction, 'settle me'));
    const bodies: string[] = [];
    await sdk.transaction(
      { channel: ch.toSdkTransaction, visibilitySeconds: 10, waitTimeoutSeconds: 2 },
      (error, message) => {
        if (error || !message) return;
        bodies.push(Buffer.from(message.message.body as Uint8Array).toString('utf8'));
        void message.ack();
      },
    );
    assert.deepEqual(bodies, ['settle me']);
    assert.deepEqual(await peekAll(client, ch.toSdkTransaction), []);
  });
});
