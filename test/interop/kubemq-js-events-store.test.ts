import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller, type INestMicroservice } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { EventsStoreClient, EventStoreType, type EventsStoreReceiveMessage } from 'kubemq-js';
import { lastValueFrom } from 'rxjs';
import { BODY_FORMAT_TAG, type ClientKubeMQ, type KubeMQContext } from '../../lib';
import { startTestBroker, uniqueChannel, type TestBrokerHandle } from '../support/broker';
import { HandledLog, range, waitUntil } from '../support/events-store';
import { connectedClient, moduleWith, startMicroservice } from '../support/nest';

const fromSdk = uniqueChannel('sdk-to-nest-store');
const toSdk = uniqueChannel('nest-to-sdk-store');
const log = new HandledLog();
const metadata: string[] = [];

@Controller()
class StoreHandler {
  @EventPattern(fromSdk, { type: 'events-store', start: 'first' })
  handle(@Payload() data: unknown, @Ctx() ctx: unknown) {
    log.record('nest', data, ctx);
    metadata.push((ctx as KubeMQContext).getMetadata());
  }
}

describe('interop: the events store between kubemq-js and Nest', () => {
  let broker: TestBrokerHandle;
  let app: INestMicroservice;
  let client: ClientKubeMQ;
  let sdk: EventsStoreClient;
  const unsubscribes: Array<() => void> = [];

  before(async () => {
    broker = await startTestBroker();
    ({ app } = await startMicroservice(moduleWith({ controllers: [StoreHandler] }), {
      address: broker.address,
    }));
    client = await connectedClient({ address: broker.address });
    sdk = new EventsStoreClient({
      address: broker.address,
      clientId: `sdk-store-${process.pid}`,
      reconnectInterval: 0,
    });
  });

  after(async () => {
    for (const unsubscribe of unsubscribes) unsubscribe();
    sdk?.close();
    client?.close();
    await app?.close();
    await broker?.stop();
  });

  it('events the SDK stores reach the Nest handler in order, with their metadata', async () => {
    for (const n of range(5)) {
      // kubemq-js reads a string body as base64: give it bytes (§14).
      const result = await sdk.send({
        channel: fromSdk,
        body: Buffer.from(JSON.stringify({ n })),
        metadata: `sdk-${n}`,
      });
      assert.equal(result.sent, true, result.error);
    }
    await log.waitFor(fromSdk, 5);
    assert.deepEqual(
      log.of(fromSdk).map((e) => e.data),
      range(5).map((n) => ({ n })),
    );
    assert.deepEqual(log.sequences(fromSdk), range(5));
    assert.deepEqual(
      metadata,
      range(5).map((n) => `sdk-${n}`),
    );
  });

  it('events ClientKubeMQ stores (one by one and over the stream) reach an SDK subscriber', async () => {
    await lastValueFrom(client.storeEvent(toSdk, { n: 1 }, { metadata: 'one' }));
    await lastValueFrom(client.storeEvents(toSdk, [{ n: 2 }, 'three']));
    const received: EventsStoreReceiveMessage[] = [];
    const subscription = await sdk.subscribe(
      {
        channel: toSdk,
        clientId: `sdk-sub-${process.pid}-${Date.now()}`,
        requestType: EventStoreType.StartFromFirst,
      },
      (error, message) => {
        if (!error && message) received.push(message);
      },
    );
    unsubscribes.push(() => subscription.unsubscribe());
    await waitUntil(
      () => received.length >= 3,
      10_000,
      () => `3 events (got ${received.length})`,
    );
    const bodies = received.map((m) => Buffer.from(m.body as Uint8Array).toString('utf8'));
    assert.deepEqual(bodies, ['{"n":1}', '{"n":2}', 'three']);
    assert.deepEqual(
      received.map((m) => m.sequence),
      [1, 2, 3],
    );
    assert.equal(received[0].metadata, 'one');
    assert.equal(received[0].channel, toSdk);
    // Our body-format tag travels as a KubeMQ tag, readable by any client.
    assert.equal(received[2].tags.get(BODY_FORMAT_TAG), 'text');
    assert.ok(received[0].timestamp > 0);
  });
});
