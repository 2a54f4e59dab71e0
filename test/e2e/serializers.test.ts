import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller, type INestMicroservice } from '@nestjs/common';
import { Ctx, EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { decode, encode } from '@msgpack/msgpack';
import { firstValueFrom, lastValueFrom } from 'rxjs';
import {
  BODY_FORMAT_TAG,
  ClientKubeMQ,
  KubeMQConnection,
  KubeMQContext,
  KubeMQRecordBuilder,
  QueuePattern,
  RequestType,
  ServerKubeMQ,
  makeRequest,
  type KubeMQDeserializeOptions,
  type KubeMQDeserializer,
  type KubeMQSerializer,
} from '../../lib';
import { startTestBroker, uniqueChannel, type TestBrokerHandle } from '../support/broker';
import {
  connectedClient,
  errorOf,
  firstReply,
  moduleWith,
  startMicroservice,
} from '../support/nest';
import { waitFor } from '../support/queues';

/** MessagePack both ways; refuses `{ refuse: true }` so a test can make it throw. */
class MsgPackSerializer implements KubeMQSerializer {
  serialize(value: unknown): Uint8Array {
    if (typeof value === 'object' && value !== null && 'refuse' in value) {
      throw new Error('refused by the test serializer');
    }
    return encode(value);
  }
}

class MsgPackDeserializer implements KubeMQDeserializer {
  deserialize(
    body: Buffer,
    options?: KubeMQDeserializeOptions,
  ): { pattern: string; data: unknown } {
    return { pattern: options?.channel ?? '', data: decode(body) };
  }
}

const msgpack = () => ({
  serializer: new MsgPackSerializer(),
  deserializer: new MsgPackDeserializer(),
});

const ch = {
  query: uniqueChannel('msgpack-query'),
  command: uniqueChannel('msgpack-command'),
  event: uniqueChannel('msgpack-event'),
  store: uniqueChannel('msgpack-store'),
  queue: uniqueChannel('msgpack-queue'),
  pull: uniqueChannel('msgpack-pull'),
  unsendable: uniqueChannel('msgpack-unsendable'),
  poisonQueue: uniqueChannel('msgpack-poison-queue'),
  poisonStore: uniqueChannel('msgpack-poison-store'),
};
const deadLetters = `${ch.poisonQueue}-dlq`;

/** A date JSON would turn into a string: MessagePack keeps it a Date. */
const WHEN = new Date(Date.UTC(2026, 10, 30, 12, 0, 0));

interface Seen {
  channel: string;
  data: unknown;
  format: string | undefined;
}
const seen: Seen[] = [];

function record(data: unknown, ctx: unknown): void {
  const context = ctx as KubeMQContext;
  seen.push({
    channel: context.getChannel(),
    data,
    format: context.getTags()[BODY_FORMAT_TAG],
  });
}

const seenOn = (channel: string) => seen.filter((entry) => entry.channel === channel);

@Controller()
class MsgPackController {
  @MessagePattern(ch.query, { type: 'query' })
  query(@Payload() data: unknown, @Ctx() ctx: unknown) {
    record(data, ctx);
    return { echo: data, at: WHEN, bytes: new Uint8Array([1, 2, 3]) };
  }

  @MessagePattern(ch.command)
  command(@Payload() data: unknown, @Ctx() ctx: unknown): void {
    record(data, ctx);
  }

  @MessagePattern(ch.unsendable, { type: 'query' })
  unsendable() {
    return { refuse: true };
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

  @QueuePattern(ch.poisonQueue)
  poisonQueue(@Payload() data: unknown, @Ctx() ctx: KubeMQContext): void {
    record(data, ctx);
  }

  @EventPattern(ch.poisonStore, { type: 'events-store', start: 'first' })
  poisonStore(@Payload() data: unknown, @Ctx() ctx: unknown): void {
    record(data, ctx);
  }
}

const isDate = (value: unknown): boolean =>
  value instanceof Date && value.getTime() === WHEN.getTime();

describe('custom serializers: MessagePack end to end', () => {
  let broker: TestBrokerHandle;
  let app: INestMicroservice;
  let client: ClientKubeMQ;
  let plain: ClientKubeMQ;

  before(async () => {
    broker = await startTestBroker();
    ({ app } = await startMicroservice(moduleWith({ controllers: [MsgPackController] }), {
      address: broker.address,
      ...msgpack(),
    }));
    client = await connectedClient({ address: broker.address, ...msgpack() });
    plain = await connectedClient({ address: broker.address });
  });

  after(async () => {
    client?.close();
    plain?.close();
    await app?.close();
    await broker?.stop();
  });

  it('queries: the request and the response both travel as MessagePack', async () => {
    const reply = (await firstReply(() => client.query(ch.query, { when: WHEN, n: 1 }))) as {
      echo: { when: unknown; n: number };
      at: unknown;
      bytes: unknown;
    };
    const handled = seenOn(ch.query).at(-1)!;
    assert.equal(handled.format, 'serialized');
    assert.ok(isDate((handled.data as { when: unknown }).when), 'the handler got a Date');
    assert.ok(isDate(reply.at), 'the client got a Date back');
    assert.ok(isDate(reply.echo.when));
    assert.deepEqual([...(reply.bytes as Uint8Array)], [1, 2, 3]);
  });

  it('commands: the request travels as MessagePack; the acknowledgement is unchanged', async () => {
    const ack = await firstReply(() => client.command(ch.command, { when: WHEN }));
    assert.equal(ack.executed, true);
    assert.ok(isDate((seenOn(ch.command).at(-1)!.data as { when: unknown }).when));
  });

  it('events: emit() sends MessagePack', async () => {
    // Plain events are not kept: send until the fresh subscription has one.
    await waitFor('the event', () => {
      client.emit(ch.event, { when: WHEN }).subscribe({ error: () => undefined });
      return seenOn(ch.event).length > 0;
    });
    const handled = seenOn(ch.event)[0];
    assert.equal(handled.format, 'serialized');
    assert.ok(isDate((handled.data as { when: unknown }).when));
  });

  it('the events store: storeEvent(), storeEvents() and emit() of a record send MessagePack', async () => {
    await lastValueFrom(client.storeEvent(ch.store, { when: WHEN, i: 1 }));
    await lastValueFrom(
      client.storeEvents(ch.store, [
        { when: WHEN, i: 2 },
        new KubeMQRecordBuilder({ when: WHEN, i: 3 }).setTags({ v: '3' }).build(),
      ]),
    );
    await lastValueFrom(
      client.emit(
        ch.store,
        new KubeMQRecordBuilder({ when: WHEN, i: 4 }).setType('events-store').build(),
      ),
    );
    await waitFor('4 stored events', () => seenOn(ch.store).length >= 4);
    const events = seenOn(ch.store);
    assert.deepEqual(
      events.map((e) => (e.data as { i: number }).i),
      [1, 2, 3, 4],
    );
    for (const event of events) {
      assert.equal(event.format, 'serialized');
      assert.ok(isDate((event.data as { when: unknown }).when));
    }
  });

  it('queues: sendToQueue(), sendQueueBatch() and emit() of a record send MessagePack', async () => {
    await lastValueFrom(client.sendToQueue(ch.queue, { when: WHEN, i: 1 }));
    await lastValueFrom(
      client.sendQueueBatch(ch.queue, [
        { when: WHEN, i: 2 },
        { when: WHEN, i: 3 },
      ]),
    );
    await lastValueFrom(
      client.emit(ch.queue, new KubeMQRecordBuilder({ when: WHEN, i: 4 }).setType('queue').build()),
    );
    await waitFor('4 queue messages', () => seenOn(ch.queue).length >= 4);
    const messages = seenOn(ch.queue);
    assert.deepEqual(messages.map((m) => (m.data as { i: number }).i).sort(), [1, 2, 3, 4]);
    for (const message of messages) assert.ok(isDate((message.data as { when: unknown }).when));
  });

  it('queues: peekQueue() and receiveFromQueue() read MessagePack with the client’s deserializer', async () => {
    await lastValueFrom(client.sendToQueue(ch.pull, { when: WHEN, i: 1 }));
    const peeked = await firstValueFrom(client.peekQueue(ch.pull, { waitSeconds: 2 }));
    assert.equal(peeked.length, 1);
    assert.ok(isDate((peeked[0].data as { when: unknown }).when));
    const received = await firstValueFrom(client.receiveFromQueue(ch.pull, { waitSeconds: 2 }));
    assert.deepEqual((received[0].data as { i: number }).i, 1);
    assert.ok(isDate((received[0].data as { when: unknown }).when));
  });

  it('a client without a serializer still talks to the MessagePack server (JSON is marked as such)', async () => {
    const reply = await firstReply(() => plain.query(ch.query, { n: 2 }));
    assert.deepEqual(seenOn(ch.query).at(-1)!.data, { n: 2 });
    assert.equal(seenOn(ch.query).at(-1)!.format, 'json');
    // The answer is MessagePack: without a deserializer it arrives as the bytes it is, not misread.
    assert.ok(Buffer.isBuffer(reply), 'a Buffer');
    assert.ok(isDate((decode(reply as Buffer) as { at: unknown }).at));
  });

  it('a foreign client’s unmarked JSON still reaches the handler (the deserializer cannot read it, the codec can)', async () => {
    const foreign = new KubeMQConnection({ address: broker.address, clientId: 'foreign-json' });
    await foreign.connect();
    try {
      const response = await foreign.sendRequest(
        makeRequest({
          RequestTypeData: RequestType.Query,
          ClientID: 'foreign-json',
          Channel: ch.query,
          Body: Buffer.from('{"from":"curl"}'),
          Timeout: 5000,
        }),
      );
      assert.equal(response.Executed, true, response.Error);
      assert.deepEqual(seenOn(ch.query).at(-1)!.data, { from: 'curl' });
      assert.equal(response.Tags[BODY_FORMAT_TAG], 'serialized');
      assert.deepEqual((decode(response.Body) as { echo: unknown }).echo, { from: 'curl' });
    } finally {
      foreign.close();
    }
  });

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
