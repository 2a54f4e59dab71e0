import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller, type INestMicroservice } from '@nestjs/common';
import { Ctx, EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { decode } from '@msgpack/msgpack';
import { firstValueFrom, lastValueFrom } from 'rxjs';
import {
  BODY_FORMAT_TAG,
  KubeMQConnection,
  KubeMQContext,
  KubeMQRecordBuilder,
  QueuePattern,
  RequestType,
  makeRequest,
  type ClientKubeMQ,
} from '../../lib';
import { uniqueChannel, type TestBrokerHandle } from '../support/broker';
import { isDate, record, seenOn, WHEN, startMsgPackApp, stopMsgPackApp } from '../support/msgpack';
import { firstReply } from '../support/nest';
import { waitFor } from '../support/queues';

// Every kind of message round-trips as MessagePack with a custom serializer pair, and clients
// without one (ours or another SDK's) still talk to the MessagePack server.

const ch = {
  query: uniqueChannel('msgpack-query'),
  command: uniqueChannel('msgpack-command'),
  event: uniqueChannel('msgpack-event'),
  store: uniqueChannel('msgpack-store'),
  queue: uniqueChannel('msgpack-queue'),
  pull: uniqueChannel('msgpack-pull'),
};

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
}

describe('custom serializers: MessagePack end to end', () => {
  let broker: TestBrokerHandle;
  let app: INestMicroservice;
  let client: ClientKubeMQ;
  let plain: ClientKubeMQ;

  before(async () => {
    ({ broker, app, client, plain } = await startMsgPackApp(MsgPackController));
  });

  after(() => stopMsgPackApp({ broker, app, client, plain }));

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
});
