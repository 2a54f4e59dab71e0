import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import {
  EventsStoreType,
  makeSubscribe,
  SubscribeType,
  KubeMQConnection,
  KubeMQError,
  ServerKubeMQ,
  subscriberClientId,
  type KubeMQHandlerExtras,
} from '../../lib';
import { startTestBroker, uniqueChannel, type TestBrokerHandle } from '../support/broker';
import { HandledLog } from '../support/events-store';
import { delay, moduleWith, startMicroservice, useBrokerWithClient } from '../support/nest';

/** A module whose only handler is `@EventPattern(channel, extras)`. */
function oneHandler(channel: string, extras: Record<string, unknown>): Type<unknown> {
  @Controller()
  class One {
    @EventPattern(channel, extras as KubeMQHandlerExtras)
    handle(@Payload() _data: unknown) {
      return undefined;
    }
  }
  return moduleWith({ controllers: [One] });
}

async function listenError(address: string, module: Type<unknown>): Promise<KubeMQError> {
  const app = await NestFactory.createMicroservice(module, {
    strategy: new ServerKubeMQ({ address }),
    logger: false,
  });
  try {
    const error = await app.listen().then(
      () => assert.fail('listen() should have failed'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof KubeMQError, String(error));
    return error;
  } finally {
    await app.close();
  }
}

describe('events-store handler options: listen() refuses what cannot work, naming the handler', () => {
  let broker: TestBrokerHandle;

  before(async () => {
    broker = await startTestBroker();
  });

  after(async () => {
    await broker?.stop();
  });

  const cases: Array<[string, Record<string, unknown>, RegExp, string?]> = [
    [
      'an unknown start',
      { start: 'beginning' },
      /start must be 'new', 'first', 'last'.*got "beginning"/,
    ],
    [
      'a zero sequence',
      { start: { sequence: 0 } },
      /start\.sequence must be a whole number of at least 1, got 0/,
    ],
    [
      'a fractional sequence',
      { start: { sequence: 1.5 } },
      /start\.sequence must be a whole number/,
    ],
    ['an invalid Date', { start: { time: new Date('nope') } }, /start\.time must be a valid Date/],
    [
      'a time given as a number',
      { start: { time: 1700000000000 } },
      /start\.time must be a valid Date, got 1700000000000/,
    ],
    [
      'a negative time delta',
      { start: { timeDelta: -5 } },
      /start\.timeDelta must be a whole number of seconds/,
    ],
    ['two start keys', { start: { sequence: 1, timeDelta: 1 } }, /start must be/],
    [
      'concurrency 0',
      { concurrency: 0 },
      /concurrency must be a whole number of at least 1, got 0/,
    ],
    [
      'concurrency as a string',
      { concurrency: '2' },
      /concurrency must be a whole number of at least 1, got "2"/,
    ],
    ['maxBuffered 0', { maxBuffered: 0 }, /maxBuffered must be a whole number/],
    ['an unknown option', { strat: 'first' }, /unknown option 'strat'/],
    ['a group that is not a string', { group: 5 }, /group must be a string, got 5/],
    [
      'a wildcard channel',
      {},
      /Error 107: invalid channel value, no wildcards are allowed/,
      'orders.*',
    ],
    ['an empty token in the channel', {}, /empty token/, 'orders..created'],
    [
      'a colon with a group',
      { group: 'g' },
      /cannot have ":" in its channel or group/,
      'orders:eu',
    ],
  ];

  for (const [what, extras, expected, channel] of cases) {
    it(`refuses ${what}`, async () => {
      const pattern = channel ?? uniqueChannel('es-options');
      const error = await listenError(
        broker.address,
        oneHandler(pattern, { type: 'events-store', ...extras }),
      );
      assert.ok(error.message.includes(`@EventPattern('${pattern}')`), error.message);
      assert.match(error.message, expected);
    });
  }

  it('refuses events-store options on a plain event handler (they would be ignored)', async () => {
    const pattern = uniqueChannel('es-plain');
    const error = await listenError(broker.address, oneHandler(pattern, { start: 'first' }));
    assert.match(
      error.message,
      new RegExp(
        `@EventPattern\\('${pattern}'\\): 'start' only applies to \\{ type: 'events-store' \\} handlers`,
      ),
    );
  });
});

describe('events-store subscriptions: one stable ClientID each', () => {
  const env = useBrokerWithClient();
  const log = new HandledLog();
  const a = uniqueChannel('es-id-a');
  const b = uniqueChannel('es-id-b');
  const serverClientId = `orders.service ${process.pid}`;

  @Controller()
  class TwoHandlers {
    @EventPattern(a, { type: 'events-store', start: 'first' })
    first(@Payload() data: unknown, @Ctx() ctx: unknown) {
      log.record('a', data, ctx);
    }

    @EventPattern(b, { type: 'events-store', start: 'first', group: 'workers' })
    second(@Payload() data: unknown, @Ctx() ctx: unknown) {
      log.record('b', data, ctx);
    }
  }

  it('derives a valid ClientID per channel and group, the same at every start', () => {
    const idA = subscriberClientId(serverClientId, a, '');
    const idB = subscriberClientId(serverClientId, b, 'workers');
    assert.match(idA, /^[a-zA-Z0-9_-]+$/);
    assert.match(idB, /^[a-zA-Z0-9_-]+$/);
    assert.notEqual(idA, idB);
    assert.equal(subscriberClientId(serverClientId, a, ''), idA, 'stable');
    assert.notEqual(subscriberClientId(serverClientId, a, 'workers'), idA, 'the group counts');
    assert.notEqual(subscriberClientId(`${serverClientId}x`, a, ''), idA, 'the clientId counts');
    // Characters KubeMQ refuses are replaced, but names that differ only there stay apart.
    assert.notEqual(subscriberClientId('a.b', 'c', ''), subscriberClientId('a_b', 'c', ''));
  });

  it('two events-store handlers in one app each hold their own subscription', async () => {
    const { app } = await startMicroservice(moduleWith({ controllers: [TwoHandlers] }), {
      address: env.broker.address,
      clientId: serverClientId,
    });
    try {
      await lastValueFrom(env.client.storeEvent(a, 'to a'));
      await lastValueFrom(env.client.storeEvent(b, 'to b'));
      await log.waitFor(a, 1);
      await log.waitFor(b, 1);
      assert.deepEqual(
        log.of(a).map((e) => e.data),
        ['to a'],
      );
      assert.deepEqual(
        log.of(b).map((e) => e.data),
        ['to b'],
      );
      // KubeMQ allows one live subscription per ClientID: the app holds idA.
      const refusal = await subscribeOnce(
        env.broker.address,
        subscriberClientId(serverClientId, a, ''),
        a,
      );
      assert.match(refusal, /clientID already registered/);
    } finally {
      await app.close();
    }
  });
});

/** Subscribes with `clientId` and returns how the stream ended within a second ('open' if it held). */
async function subscribeOnce(address: string, clientId: string, channel: string): Promise<string> {
  const connection = new KubeMQConnection({ address });
  await connection.connect();
  try {
    const stream = connection.openServerStream(
      'SubscribeToEvents',
      makeSubscribe({
        SubscribeTypeData: SubscribeType.EventsStore,
        ClientID: clientId,
        Channel: channel,
        EventsStoreTypeData: EventsStoreType.StartNewOnly,
      }),
    );
    stream.on('error', () => undefined);
    const ended = new Promise<string>((resolve) =>
      stream.on('status', (status: { details: string }) => resolve(status.details)),
    );
    const outcome = await Promise.race([ended, delay(1_000).then(() => 'open')]);
    stream.cancel();
    return outcome;
  } finally {
    connection.close();
  }
}
