import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller, type INestMicroservice } from '@nestjs/common';
import {
  ClientProxy,
  Ctx,
  EventPattern,
  MessagePattern,
  type ReadPacket,
} from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import {
  KubeMQRecordBuilder,
  QueuePattern,
  type ClientKubeMQ,
  type KubeMQContext,
} from '../../lib';
import { startTestBroker, uniqueChannel, type TestBrokerHandle } from '../support/broker';
import { connectedClient, firstReply, moduleWith, startMicroservice } from '../support/nest';
import { waitFor } from '../support/queues';

const ch = {
  query: uniqueChannel('metadata-query'),
  command: uniqueChannel('metadata-command'),
  event: uniqueChannel('metadata-event'),
  store: uniqueChannel('metadata-store'),
  queue: uniqueChannel('metadata-queue'),
};

interface Seen {
  channel: string;
  metadata: Record<string, string> | undefined;
}
const seen: Seen[] = [];
const record = (ctx: unknown) => {
  const context = ctx as KubeMQContext;
  seen.push({ channel: context.getChannel(), metadata: context.getPacketMetadata() });
};
const seenOn = (channel: string) => seen.filter((s) => s.channel === channel);

@Controller()
class MetadataController {
  @MessagePattern(ch.query, { type: 'query' })
  query(@Ctx() ctx: unknown) {
    record(ctx);
    return 'ok';
  }

  @MessagePattern(ch.command)
  command(@Ctx() ctx: unknown): void {
    record(ctx);
  }

  @EventPattern(ch.event)
  event(_data: unknown, @Ctx() ctx: unknown): void {
    record(ctx);
  }

  @EventPattern(ch.store, { type: 'events-store', start: 'first' })
  stored(_data: unknown, @Ctx() ctx: unknown): void {
    record(ctx);
  }

  @QueuePattern(ch.queue)
  queued(_data: unknown, @Ctx() ctx: KubeMQContext): void {
    record(ctx);
  }
}

/** NestJS 12's client hook (absent in 11). */
type Hookable = { setOnDispatchHook?(hook: (packet: ReadPacket) => void): void };
const hasDispatchHook =
  typeof (ClientProxy.prototype as unknown as Hookable).setOnDispatchHook === 'function';

describe('packet metadata (NestJS 12) travels as KubeMQ tags', () => {
  let broker: TestBrokerHandle;
  let app: INestMicroservice;
  let client: ClientKubeMQ;
  let hooked: ClientKubeMQ;

  before(async () => {
    broker = await startTestBroker();
    ({ app } = await startMicroservice(moduleWith({ controllers: [MetadataController] }), {
      address: broker.address,
    }));
    client = await connectedClient({ address: broker.address });
    hooked = await connectedClient({ address: broker.address });
    (hooked as unknown as Hookable).setOnDispatchHook?.((packet) => {
      (packet as ReadPacket & { metadata?: Record<string, string> }).metadata = {
        tenant: 'acme',
        pattern: String(packet.pattern),
      };
    });
  });

  after(async () => {
    client?.close();
    hooked?.close();
    await app?.close();
    await broker?.stop();
  });

  it('ctx.getPacketMetadata(): the sender’s tags without ours, undefined when there are none', async () => {
    await firstReply(() => client.query(ch.query, 1));
    assert.equal(seenOn(ch.query).at(-1)!.metadata, undefined);
    await firstReply(() =>
      client.send(
        ch.query,
        new KubeMQRecordBuilder(2).setType('query').setTags({ tenant: 'beta' }).build(),
      ),
    );
    assert.deepEqual(seenOn(ch.query).at(-1)!.metadata, { tenant: 'beta' });
  });

  it(
    'what setOnDispatchHook attaches reaches the handler of every kind, typed helpers included',
    {
      skip: hasDispatchHook
        ? false
        : 'NestJS 11 has no setOnDispatchHook (the consumer suites run this on NestJS 12)',
    },
    async () => {
      const expected = (channel: string) => ({ tenant: 'acme', pattern: channel });
      await firstReply(() => hooked.query(ch.query, 3));
      assert.deepEqual(seenOn(ch.query).at(-1)!.metadata, expected(ch.query));
      await firstReply(() => hooked.command(ch.command, 4));
      assert.deepEqual(seenOn(ch.command).at(-1)!.metadata, expected(ch.command));
      await waitFor('an event', () => {
        hooked.emit(ch.event, 5).subscribe({ error: () => undefined });
        return seenOn(ch.event).length > 0;
      });
      assert.deepEqual(seenOn(ch.event)[0].metadata, expected(ch.event));

      await lastValueFrom(hooked.storeEvent(ch.store, 6));
      await lastValueFrom(
        hooked.emit(ch.store, new KubeMQRecordBuilder(7).setType('events-store').build()),
      );
      // A record's own tags win over the hook's on the same key.
      await lastValueFrom(
        hooked.storeEvents(ch.store, [
          8,
          new KubeMQRecordBuilder(9).setTags({ tenant: 'own' }).build(),
        ]),
      );
      await lastValueFrom(hooked.sendToQueue(ch.queue, 10));
      await lastValueFrom(
        hooked.emit(ch.queue, new KubeMQRecordBuilder(11).setType('queue').build()),
      );
      await lastValueFrom(hooked.sendQueueBatch(ch.queue, [12]));
      await waitFor(
        '4 stored events and 3 queue messages',
        () => seenOn(ch.store).length >= 4 && seenOn(ch.queue).length >= 3,
      );
      assert.deepEqual(
        seenOn(ch.store).map((s) => s.metadata),
        [
          expected(ch.store),
          expected(ch.store),
          expected(ch.store),
          { ...expected(ch.store), tenant: 'own' },
        ],
      );
      assert.deepEqual(
        seenOn(ch.queue).map((s) => s.metadata),
        [expected(ch.queue), expected(ch.queue), expected(ch.queue)],
      );
    },
  );
});
