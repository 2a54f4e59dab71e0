import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller, type INestMicroservice } from '@nestjs/common';
import { Ctx, EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { firstValueFrom, lastValueFrom } from 'rxjs';
import {
  BODY_FORMAT_TAG,
  ClientKubeMQ,
  KubeMQContext,
  QueuePattern,
  ServerKubeMQ,
  type KubeMQDeserializer,
  type KubeMQSerializer,
} from '../../lib';
import { startTestBroker, uniqueChannel, type TestBrokerHandle } from '../support/broker';
import {
  MsgPackSerializer,
  record,
  seenOn,
  WHEN,
  startMsgPackApp,
  stopMsgPackApp,
} from '../support/msgpack';
import { connectedClient, errorOf, moduleWith, startMicroservice } from '../support/nest';
import { waitFor } from '../support/queues';

// What goes wrong with custom serializers: a serializer that throws on either side, bodies the
// deserializer cannot read, and serializer options of the wrong shape.

const ch = {
  query: uniqueChannel('msgpack-query'),
  event: uniqueChannel('msgpack-event'),
  store: uniqueChannel('msgpack-store'),
  queue: uniqueChannel('msgpack-queue'),
  unsendable: uniqueChannel('msgpack-unsendable'),
  poisonQueue: uniqueChannel('msgpack-poison-queue'),
  poisonStore: uniqueChannel('msgpack-poison-store'),
};
const deadLetters = `${ch.poisonQueue}-dlq`;

@Controller()
class MsgPackController {
  @MessagePattern(ch.query, { type: 'query' })
  query(@Payload() data: unknown, @Ctx() ctx: unknown) {
    record(data, ctx);
    return { echo: data, at: WHEN, bytes: new Uint8Array([1, 2, 3]) };
  }

  @EventPattern(ch.event)
  event(@Payload() data: unknown, @Ctx() ctx: unknown): void {
    record(data, ctx);
  }

  @EventPattern(ch.store, { type: 'events-store', start: 'first' })
  stored(@Payload() data: unknown, @Ctx() ctx: unknown): void {
    record(data, ctx);
  }

  @QueuePattern(ch.queue)
  queued(@Payload() data: unknown, @Ctx() ctx: KubeMQContext): void {
    record(data, ctx);
  }

  @MessagePattern(ch.unsendable, { type: 'query' })
  unsendable() {
    return { refuse: true };
  }

  @QueuePattern(ch.poisonQueue)
  poisonQueue(@Payload() data: unknown, @Ctx() ctx: KubeMQContext): void {
    record(data, ctx);
  }

  @EventPattern(ch.poisonStore, { type: 'events-store', start: 'first' })
  poisonStore(@Payload() data: unknown, @Ctx() ctx: unknown): void {
    record(data, ctx);
  }
}

describe('custom serializers: MessagePack failures', () => {
  let broker: TestBrokerHandle;
  let app: INestMicroservice;
  let client: ClientKubeMQ;
  let plain: ClientKubeMQ;

  before(async () => {
    ({ broker, app, client, plain } = await startMsgPackApp(MsgPackController));
  });

  after(() => stopMsgPackApp({ broker, app, client, plain }));

  it('a serializer that throws fails the message with an error naming the channel', async () => {
    const refused = { refuse: true };
    const sendError = (await errorOf(client.query(ch.query, refused))) as Error;
    assert.equal(
      sendError.message,
      `Cannot send the query to "${ch.query}": the serializer failed: refused by the test serializer`,
    );
    const emitError = (await errorOf(client.emit(ch.event, refused))) as Error;
    assert.match(emitError.message, new RegExp(`"${ch.event}".*the serializer failed`));
    const storeError = (await errorOf(client.storeEvent(ch.store, refused))) as Error;
    assert.match(
      storeError.message,
      new RegExp(`stored event to "${ch.store}".*serializer failed`),
    );
    const queueError = (await errorOf(client.sendToQueue(ch.queue, refused))) as Error;
    assert.match(
      queueError.message,
      new RegExp(`queue message to "${ch.queue}".*serializer failed`),
    );
  });

  it('a response the server’s serializer refuses reaches the caller as Nest’s internal error', async () => {
    const error = await errorOf(client.query(ch.unsendable, {}));
    assert.deepEqual(error, { status: 'error', message: 'Internal server error' });
  });

  it('a body marked MessagePack that is not answers the caller with an error naming the channel', async () => {
    const garbage = await connectedClient({
      address: broker.address,
      serializer: { serialize: () => Buffer.from([0xc1]) }, // 0xc1: never valid MessagePack
    });
    try {
      const error = (await errorOf(garbage.query(ch.query, { n: 3 }))) as {
        status: string;
        message: string;
      };
      assert.equal(error.status, 'error');
      assert.match(
        error.message,
        new RegExp(`^Cannot deserialize the query \\S+ on "${ch.query}": the deserializer failed`),
      );
    } finally {
      garbage.close();
    }
  });

  it('an unreadable queue message is rejected, not handled: KubeMQ moves it to its dead-letter queue', async () => {
    const garbage = await connectedClient({
      address: broker.address,
      serializer: { serialize: () => Buffer.from([0xc1]) },
    });
    try {
      await lastValueFrom(
        garbage.sendToQueue(
          ch.poisonQueue,
          { n: 1 },
          { policy: { maxReceiveCount: 1, maxReceiveQueue: deadLetters } },
        ),
      );
    } finally {
      garbage.close();
    }
    // The consumer rejects it at once; KubeMQ then moves it (its MaxReceiveCount is 1).
    let dead: Array<{ data: unknown; tags: Record<string, string> }> = [];
    for (let i = 0; i < 20 && dead.length === 0; i += 1) {
      dead = await firstValueFrom(plain.peekQueue(deadLetters, { waitSeconds: 1 }));
    }
    assert.equal(dead.length, 1, 'the message reached the dead-letter queue');
    assert.deepEqual([...(dead[0].data as Buffer)], [0xc1], 'as sent, for someone to look at');
    assert.equal(dead[0].tags[BODY_FORMAT_TAG], 'serialized');
    assert.equal(seenOn(ch.poisonQueue).length, 0, 'the handler never saw it');
  });

  it('an unreadable stored event is skipped and the next one handled', async () => {
    const garbage = await connectedClient({
      address: broker.address,
      serializer: { serialize: () => Buffer.from([0xc1]) },
    });
    try {
      await lastValueFrom(garbage.storeEvent(ch.poisonStore, { n: 1 }));
    } finally {
      garbage.close();
    }
    await lastValueFrom(client.storeEvent(ch.poisonStore, { when: WHEN, n: 2 }));
    await waitFor('the readable stored event', () => seenOn(ch.poisonStore).length > 0);
    assert.deepEqual(
      seenOn(ch.poisonStore).map((e) => (e.data as { n: number }).n),
      [2],
    );
  });
});

describe('custom serializers: options of the wrong shape', () => {
  let broker: TestBrokerHandle;

  before(async () => {
    broker = await startTestBroker();
  });

  after(async () => {
    await broker?.stop();
  });

  it('make listen() fail with an error naming the option', async () => {
    const server = new ServerKubeMQ({
      address: broker.address,
      serializer: MsgPackSerializer as unknown as KubeMQSerializer,
    });
    await assert.rejects(
      startMicroservice(moduleWith({}), {
        address: broker.address,
        deserializer: {} as KubeMQDeserializer,
      }),
      {
        message:
          'ServerKubeMQ option "deserializer" must be an object with a deserialize(value, options) method (Nest\'s Deserializer), got an object without a deserialize() method',
      },
    );
    const error = await new Promise<unknown>((resolve) => {
      void server.listen((err) => resolve(err));
    });
    assert.match(
      (error as Error).message,
      /^ServerKubeMQ option "serializer" .* got a class or function \(pass an instance/,
    );
  });

  it('make connect(), send() and emit() fail with an error naming the option', async () => {
    const client = new ClientKubeMQ({
      address: broker.address,
      serializer: 'msgpack' as unknown as KubeMQSerializer,
    });
    const message =
      'ClientKubeMQ option "serializer" must be an object with a serialize(value, options) method (Nest\'s Serializer), got string "msgpack"';
    await assert.rejects(client.connect(), { message });
    assert.equal(((await errorOf(client.send('x', 1))) as Error).message, message);
    assert.match(((await errorOf(client.emit('x', 1))) as Error).message, /option "serializer"/);
    client.close();
  });
});
