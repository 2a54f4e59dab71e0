import assert from 'node:assert/strict';
import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { BODY_FORMAT_TAG, KubeMQRecordBuilder, QueuePattern, type KubeMQContext } from '../../lib';
import { startTestBroker, uniqueChannel } from './broker';
import { connectedClient, firstReply, moduleWith, startMicroservice } from './nest';
import { waitFor } from './queues';

/** What a handler got: the payload and every tag it was sent. */
export interface Received {
  channel: string;
  data: unknown;
  tags: Record<string, string>;
}

/**
 * Boots an app with a handler of every kind and sends each kind once
 * (query, command, event, stored event, queue message), as an app without
 * tracing would; `inHandler` runs inside each handler. Returns what the
 * handlers got, for the caller to check that nothing was added.
 */
export async function untracedRoundTrips(inHandler: () => void = () => undefined): Promise<{
  received: Received[];
  channels: Record<'query' | 'command' | 'event' | 'store' | 'queue', string>;
}> {
  const channels = {
    query: uniqueChannel('untraced-query'),
    command: uniqueChannel('untraced-command'),
    event: uniqueChannel('untraced-event'),
    store: uniqueChannel('untraced-store'),
    queue: uniqueChannel('untraced-queue'),
  };
  const received: Received[] = [];
  const record = (data: unknown, ctx: unknown) => {
    inHandler();
    const context = ctx as KubeMQContext;
    received.push({ channel: context.getChannel(), data, tags: { ...context.getTags() } });
  };

  @Controller()
  class UntracedController {
    @MessagePattern(channels.query, { type: 'query' })
    query(@Payload() data: unknown, @Ctx() ctx: unknown) {
      record(data, ctx);
      return { echo: data };
    }

    @MessagePattern(channels.command)
    command(@Payload() data: unknown, @Ctx() ctx: unknown): void {
      record(data, ctx);
    }

    @EventPattern(channels.event)
    event(@Payload() data: unknown, @Ctx() ctx: unknown): void {
      record(data, ctx);
    }

    @EventPattern(channels.store, { type: 'events-store', start: 'first' })
    stored(@Payload() data: unknown, @Ctx() ctx: unknown): void {
      record(data, ctx);
    }

    @QueuePattern(channels.queue)
    queued(@Payload() data: unknown, @Ctx() ctx: KubeMQContext): void {
      record(data, ctx);
    }
  }

  const broker = await startTestBroker();
  const { app } = await startMicroservice(moduleWith({ controllers: [UntracedController] }), {
    address: broker.address,
  });
  const client = await connectedClient({ address: broker.address });
  const on = (channel: string) => received.filter((r) => r.channel === channel);
  try {
    assert.deepEqual(await firstReply(() => client.query(channels.query, { n: 1 })), {
      echo: { n: 1 },
    });
    assert.equal((await firstReply(() => client.command(channels.command, 'c'))).executed, true);
    await waitFor('an event', () => {
      client.emit(channels.event, { e: 1 }).subscribe({ error: () => undefined });
      return on(channels.event).length > 0;
    });
    await lastValueFrom(client.storeEvent(channels.store, { s: 1 }));
    await lastValueFrom(
      client.emit(
        channels.store,
        new KubeMQRecordBuilder({ s: 2 }).setType('events-store').setTags({ v: '2' }).build(),
      ),
    );
    await lastValueFrom(client.sendToQueue(channels.queue, { q: 1 }));
    await lastValueFrom(client.sendQueueBatch(channels.queue, [{ q: 2 }]));
    await waitFor(
      '2 stored events and 2 queue messages',
      () => on(channels.store).length >= 2 && on(channels.queue).length >= 2,
    );
  } finally {
    client.close();
    await app.close();
    await broker.stop();
  }
  return { received, channels };
}

/** The tags a plain nestjs-kubemq sender puts on a message: its body tag, and the record's own. */
export function assertOnlyOurTags(received: Received[]): void {
  for (const message of received) {
    const { [BODY_FORMAT_TAG]: format, ...rest } = message.tags;
    assert.equal(format, typeof message.data === 'string' ? 'text' : 'json', message.channel);
    const expected =
      message.channel.includes('store') && (message.data as { s: number }).s === 2
        ? { v: '2' }
        : {};
    assert.deepEqual(rest, expected, `${message.channel}: no other tag (no traceparent)`);
  }
}
