import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { firstValueFrom, take, toArray } from 'rxjs';
import { ClientKubeMQ, KubeMQError } from '../../lib';
import { uniqueChannel } from '../support/broker';
import { NEEDS_OWN_BROKER, startOwnBroker } from '../support/own-broker';
import { delay, errorOf, firstReply, moduleWith, startMicroservice } from '../support/nest';
import {
  SlowController,
  nextSlowStart,
  quickChannel,
  slowChannel,
} from '../support/slow-controller';

// The broker going away and coming back under a running client and server.

describe('broker going away under a client', () => {
  it(
    'fails a waiting request at once and later ones fast, naming the channel',
    { skip: NEEDS_OWN_BROKER },
    async () => {
      const broker = await startOwnBroker();
      const { app } = await startMicroservice(moduleWith({ controllers: [SlowController] }), {
        address: broker.address,
        gracePeriod: 100,
      });
      const client = new ClientKubeMQ({ address: broker.address, timeout: 20_000 });
      try {
        await firstReply(() => client.query(quickChannel, {}));
        const started = nextSlowStart();
        const waiting = errorOf(client.query(slowChannel, { ms: 5000 }));
        await started;
        const stoppedAt = Date.now();
        await broker.kill();
        const error = await waiting;
        assert.ok(error instanceof KubeMQError);
        assert.match(
          error.message,
          new RegExp(`The query on KubeMQ channel "${slowChannel}" failed`),
        );
        const later = await errorOf(client.query(quickChannel, {}));
        assert.match((later as Error).message, new RegExp(`"${quickChannel}" failed: \\S`));
        // In plain words, not grpc-js's "No connection established. ... Resolution note: ".
        assert.doesNotMatch((later as Error).message, /Resolution note|No connection established/);
        assert.ok(Date.now() - stoppedAt < 15_000, 'neither waited for its 20 s timeout');
      } finally {
        client.close();
        await app.close();
        await broker.stop();
      }
    },
  );
});

describe('client connection events', () => {
  it(
    "reports 'disconnect' when the broker goes away and 'reconnect' when a request reaches it again",
    { skip: NEEDS_OWN_BROKER },
    async () => {
      const broker = await startOwnBroker();
      const client = new ClientKubeMQ({ address: broker.address, timeout: 2000 });
      const events: string[] = [];
      const statuses: string[] = [];
      client.on('disconnect', (error) => events.push(`disconnect: ${error.message}`));
      client.on('reconnect', () => events.push('reconnect'));
      try {
        await client.connect();
        client.status.subscribe((s) => statuses.push(s));
        await broker.kill();
        for (let i = 0; i < 300 && events.length === 0; i += 1) await delay(10);
        assert.match(
          events[0] ?? '',
          new RegExp(`^disconnect: Lost the connection to KubeMQ at ${broker.address}`),
        );
        await broker.restart();
        // A request dials again; nobody answers this channel, so it times out, connected.
        await errorOf(client.query(uniqueChannel('nobody'), {}, { timeout: 200 }));
        for (let i = 0; i < 300 && events.length < 2; i += 1) await delay(10);
        assert.deepEqual(events.slice(1), ['reconnect']);
        assert.deepEqual(statuses, ['connected', 'disconnected', 'connected']);
      } finally {
        client.close();
        await broker.stop();
      }
    },
  );
});

describe('broker restart', () => {
  it(
    'the server subscribes again and answers after the broker comes back',
    { skip: NEEDS_OWN_BROKER },
    async () => {
      const broker = await startOwnBroker();
      const { app, server } = await startMicroservice(
        moduleWith({ controllers: [SlowController] }),
        {
          address: broker.address,
          reconnectDelay: 50,
          reconnectMaxDelay: 200,
        },
      );
      const statuses: string[] = [];
      server.status.subscribe((s) => statuses.push(s));
      const events: string[] = [];
      server.on('disconnect', (error) => events.push(`disconnect: ${error.message}`));
      server.on('reconnect', () => events.push('reconnect'));
      const reconnected = firstValueFrom(server.status.pipe(take(3), toArray()));
      const client = new ClientKubeMQ({ address: broker.address, timeout: 2000 });
      try {
        assert.equal(await firstValueFrom(client.query(quickChannel, {})), 'quick');
        await broker.kill();
        // Down long enough for several failed re-subscriptions (50-200 ms backoff).
        await delay(1000);
        await broker.restart();
        await reconnected;
        await delay(200);
        // One outage, reported once for both subscriptions, without flapping.
        assert.deepEqual(statuses, ['connected', 'reconnecting', 'connected']);
        assert.equal(events.length, 2, `on() reported ${events.join(', ')}`);
        assert.match(events[0], /^disconnect: /);
        assert.equal(events[1], 'reconnect');
        let reply: unknown;
        for (let i = 0; i < 40 && reply === undefined; i += 1) {
          reply = await firstValueFrom(client.query(quickChannel, {}, { timeout: 500 })).catch(
            () => undefined,
          );
        }
        assert.equal(reply, 'quick');
      } finally {
        client.close();
        await app.close();
        await broker.stop();
      }
    },
  );

  it(
    'with the default backoff, answers again within 2.5 s of the broker coming back from a long outage',
    { skip: NEEDS_OWN_BROKER },
    async () => {
      const broker = await startOwnBroker();
      const { app } = await startMicroservice(moduleWith({ controllers: [SlowController] }), {
        address: broker.address,
      });
      const client = new ClientKubeMQ({ address: broker.address, timeout: 2000 });
      try {
        assert.equal(await firstReply(() => client.query(quickChannel, {})), 'quick');
        await broker.kill();
        // Longer than the backoff needs to reach its ceiling: the server re-subscribes at its
        // slowest pace by the time the broker is back.
        await delay(4000);
        await broker.restart();
        const back = Date.now();
        let reply: unknown;
        while (reply === undefined && Date.now() - back < 10_000) {
          reply = await firstValueFrom(client.query(quickChannel, {}, { timeout: 250 })).catch(
            () => undefined,
          );
        }
        const answeredAfterMs = Date.now() - back;
        assert.equal(reply, 'quick');
        assert.ok(
          answeredAfterMs < 2500,
          `answered ${answeredAfterMs} ms after the broker's return`,
        );
      } finally {
        client.close();
        await app.close();
        await broker.stop();
      }
    },
  );
});
