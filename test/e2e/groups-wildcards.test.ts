import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller, type INestMicroservice } from '@nestjs/common';
import { Ctx, EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { type ClientKubeMQ, type KubeMQContext } from '../../lib';
import { firstValueFrom } from 'rxjs';
import { startTestBroker, uniqueChannel, type TestBrokerHandle } from '../support/broker';
import { connectedClient, delay, firstReply, moduleWith, startMicroservice } from '../support/nest';

const grouped = uniqueChannel('grouped-command');
const fanout = uniqueChannel('fanout-command');
const wildcardRoot = uniqueChannel('orders');
const groupName = uniqueChannel('workers');
const groupedEvent = uniqueChannel('grouped-event');
const fanoutEvent = uniqueChannel('fanout-event');

/** Builds a controller class whose handlers record into `log` under `name`. */
function recordingController(
  name: string,
  log: Array<{ server: string; channel: string; id: unknown }>,
) {
  @Controller()
  class Recording {
    @MessagePattern(grouped, { group: groupName })
    grouped(@Payload() data: { n: number }) {
      log.push({ server: name, channel: grouped, id: data.n });
    }

    @MessagePattern(fanout)
    fanout(@Payload() data: { n: number }) {
      log.push({ server: name, channel: fanout, id: data.n });
    }

    // Payloads typed `unknown`: with a channel held in a `string`, Nest 12's typed
    // @EventPattern overload types the payload as {}.
    @EventPattern(groupedEvent, { group: groupName })
    groupedEvent(@Payload() data: unknown) {
      log.push({ server: name, channel: groupedEvent, id: (data as { n: number }).n });
    }

    @EventPattern(fanoutEvent)
    fanoutEvent(@Payload() data: unknown) {
      log.push({ server: name, channel: fanoutEvent, id: (data as { n: number }).n });
    }
  }
  return Recording;
}

describe('several servers: groups and fan-out', () => {
  let broker: TestBrokerHandle;
  const apps: INestMicroservice[] = [];
  let client: ClientKubeMQ;
  const log: Array<{ server: string; channel: string; id: unknown }> = [];

  before(async () => {
    broker = await startTestBroker();
    for (const name of ['server-a', 'server-b']) {
      const { app } = await startMicroservice(
        moduleWith({ controllers: [recordingController(name, log)] }),
        {
          address: broker.address,
          clientId: name,
        },
      );
      apps.push(app);
    }
    client = await connectedClient({ address: broker.address });
  });

  after(async () => {
    client?.close();
    for (const app of apps) await app.close();
    await broker?.stop();
  });

  it('two servers in one group: each request is handled exactly once', async () => {
    const total = 20;
    await firstReply(() => client.send(grouped, { n: -1 }));
    for (let n = 0; n < total; n += 1) {
      const ack = await firstReply(() => client.command(grouped, { n }));
      assert.equal(ack.executed, true);
    }
    const handled = log.filter((entry) => entry.channel === grouped && (entry.id as number) >= 0);
    assert.equal(handled.length, total, 'each request handled once in all');
    assert.deepEqual(
      handled.map((entry) => entry.id).sort((a, b) => (a as number) - (b as number)),
      Array.from({ length: total }, (_, i) => i),
    );
  });

  it('two servers without a group: both handle every request, the sender gets one answer', async () => {
    const total = 5;
    await firstReply(() => client.send(fanout, { n: -1 }));
    for (let n = 0; n < total; n += 1) {
      const ack = await firstReply(() => client.command(fanout, { n }));
      assert.ok(['server-a', 'server-b'].includes(ack.clientId));
    }
    // The slower copy may still be running when the first answer arrives.
    for (
      let i = 0;
      i < 50 && log.filter((e) => e.channel === fanout && (e.id as number) >= 0).length < total * 2;
      i += 1
    ) {
      await delay(20);
    }
    const handled = log.filter((entry) => entry.channel === fanout && (entry.id as number) >= 0);
    for (const server of ['server-a', 'server-b']) {
      assert.deepEqual(
        handled
          .filter((e) => e.server === server)
          .map((e) => e.id)
          .sort(),
        [0, 1, 2, 3, 4],
        `${server} handled every request`,
      );
    }
  });

  /** Waits until `count` entries of `channel` are logged (events have no acknowledgement). */
  async function logged(
    channel: string,
    count: number,
  ): Promise<Array<{ server: string; id: unknown }>> {
    for (let i = 0; i < 200 && log.filter((e) => e.channel === channel).length < count; i += 1) {
      await delay(10);
    }
    await delay(100); // and no more arrive
    return log.filter((e) => e.channel === channel);
  }

  it('events to a group: each is handled by exactly one of the two servers', async () => {
    const total = 10;
    for (let n = 0; n < total; n += 1) await firstValueFrom(client.emit(groupedEvent, { n }));
    const handled = await logged(groupedEvent, total);
    assert.deepEqual(
      handled.map((e) => e.id).sort((a, b) => (a as number) - (b as number)),
      Array.from({ length: total }, (_, i) => i),
    );
  });

  it('events without a group: both servers handle every event', async () => {
    const total = 4;
    for (let n = 0; n < total; n += 1) await firstValueFrom(client.emit(fanoutEvent, { n }));
    const handled = await logged(fanoutEvent, total * 2);
    for (const server of ['server-a', 'server-b']) {
      assert.deepEqual(
        handled
          .filter((e) => e.server === server)
          .map((e) => e.id)
          .sort(),
        [0, 1, 2, 3],
      );
    }
  });
});

@Controller()
class WildcardController {
  @MessagePattern(`${wildcardRoot}.*`, { type: 'query' })
  oneLevel(@Payload() data: unknown, @Ctx() ctx: KubeMQContext) {
    return { handler: 'one-level', channel: ctx.getChannel(), pattern: ctx.getPattern(), data };
  }

  @MessagePattern(`${wildcardRoot}-deep.>`, { type: 'query' })
  deep(@Ctx() ctx: KubeMQContext) {
    return { handler: 'deep', channel: ctx.getChannel() };
  }
}

describe('wildcard handlers', () => {
  let broker: TestBrokerHandle;
  let app: INestMicroservice;
  let client: ClientKubeMQ;

  before(async () => {
    broker = await startTestBroker();
    ({ app } = await startMicroservice(moduleWith({ controllers: [WildcardController] }), {
      address: broker.address,
    }));
    client = await connectedClient({ address: broker.address, timeout: 1500 });
  });

  after(async () => {
    client?.close();
    await app?.close();
    await broker?.stop();
  });

  it('`x.*` receives requests on x.<one token> with the concrete channel in the context', async () => {
    const reply = await firstReply(() => client.query(`${wildcardRoot}.created`, { id: 1 }));
    assert.deepEqual(reply, {
      handler: 'one-level',
      channel: `${wildcardRoot}.created`,
      pattern: `${wildcardRoot}.*`,
      data: { id: 1 },
    });
  });

  it('`x.>` receives requests on any depth below x', async () => {
    const reply = await firstReply(() => client.query(`${wildcardRoot}-deep.eu.paris.store-1`, {}));
    assert.deepEqual(reply, { handler: 'deep', channel: `${wildcardRoot}-deep.eu.paris.store-1` });
  });

  it('`x.*` does not match x.a.b (nobody answers)', async () => {
    const error = await firstReply(() =>
      client.query(`${wildcardRoot}.a.b`, {}, { timeout: 300 }),
    ).catch((e) => e);
    assert.equal((error as { isTimeout?: boolean }).isTimeout, true);
  });
});
