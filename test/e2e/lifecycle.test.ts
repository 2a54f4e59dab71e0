import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { firstValueFrom, take, toArray } from 'rxjs';
import { ClientKubeMQ, KubeMQConnection, KubeMQError, ServerKubeMQ } from '../../lib';
import { startTestBroker, uniqueChannel, type TestBrokerHandle } from '../support/broker';
import { NEEDS_OWN_BROKER, startOwnBroker } from '../support/own-broker';
import {
  connectedClient,
  delay,
  errorOf,
  firstReply,
  moduleWith,
  startMicroservice,
} from '../support/nest';
import { freePort } from '../support/ports';

const slowChannel = uniqueChannel('slow-query');
const quickChannel = uniqueChannel('quick-query');
let slowStarted: () => void = () => undefined;

@Controller()
class SlowController {
  @MessagePattern(slowChannel, { type: 'query' })
  async slow(@Payload() data: { ms: number }) {
    slowStarted();
    await delay(data.ms);
    return { sleptMs: data.ms };
  }

  @MessagePattern(quickChannel, { type: 'query' })
  quick() {
    return 'quick';
  }
}

describe('listen() failures reach app.listen()', () => {
  it('rejects with an error naming the address when the broker is unreachable', async () => {
    const port = await freePort();
    const address = `127.0.0.1:${port}`;
    const app = await NestFactory.createMicroservice(
      moduleWith({ controllers: [SlowController] }),
      {
        strategy: new ServerKubeMQ({ address, connectTimeout: 300 }),
        logger: false,
      },
    );
    const error = await app.listen().then(
      () => assert.fail('listen() should have failed'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof KubeMQError);
    assert.match(error.message, new RegExp(`Cannot connect to KubeMQ at ${address} within 300 ms`));
    await app.close();
  });

  it("rejects when a handler's channel is one KubeMQ refuses, naming it", async () => {
    @Controller()
    class BadChannel {
      @MessagePattern('bad channel')
      handle() {
        return 1;
      }
    }
    const broker = await startTestBroker();
    const app = await NestFactory.createMicroservice(moduleWith({ controllers: [BadChannel] }), {
      strategy: new ServerKubeMQ({ address: broker.address }),
      logger: false,
    });
    const error = await app.listen().then(
      () => assert.fail('listen() should have failed'),
      (e: unknown) => e,
    );
    assert.match((error as Error).message, /"bad channel"/);
    assert.match(
      (error as Error).message,
      /Error 108: invalid channel value, no white spaces are allowed/,
    );
    await app.close();
    await broker.stop();
  });
});

describe('shutdown', () => {
  let broker: TestBrokerHandle;

  before(async () => {
    broker = await startTestBroker();
  });

  after(async () => {
    await broker?.stop();
  });

  it('server close() lets a running handler finish and send its response', async () => {
    const { app } = await startMicroservice(moduleWith({ controllers: [SlowController] }), {
      address: broker.address,
      gracePeriod: 5000,
    });
    const client = await connectedClient({ address: broker.address });
    try {
      await firstReply(() => client.query(quickChannel, {}));
      const started = new Promise<void>((resolve) => (slowStarted = resolve));
      const reply = firstValueFrom(client.query(slowChannel, { ms: 400 }));
      await started;
      const closing = app.close();
      assert.deepEqual(await reply, { sleptMs: 400 });
      await closing;
      // Closed: nothing answers any more.
      const error = await errorOf(client.query(quickChannel, {}, { timeout: 300 }));
      assert.equal((error as KubeMQError).isTimeout, true);
    } finally {
      client.close();
    }
  });

  it('client close() fails every pending request at once with a clear error', async () => {
    const { app } = await startMicroservice(moduleWith({ controllers: [SlowController] }), {
      address: broker.address,
    });
    const client = await connectedClient({ address: broker.address, timeout: 30_000 });
    try {
      await firstReply(() => client.query(quickChannel, {}));
      const started = new Promise<void>((resolve) => (slowStarted = resolve));
      const pending = [
        errorOf(client.query(slowChannel, { ms: 1500 })),
        errorOf(client.send(uniqueChannel('nobody'), { x: 1 })),
      ];
      await started;
      const closedAt = Date.now();
      client.close();
      const errors = await Promise.all(pending);
      for (const error of errors) {
        assert.ok(error instanceof KubeMQError);
        assert.match(
          error.message,
          /ClientKubeMQ was closed while 2 request\(s\) waited for a response/,
        );
      }
      assert.ok(Date.now() - closedAt < 1500, 'failed before the handler could have answered');
    } finally {
      await app.close();
    }
  });

  it('a closed client connects again on the next request', async () => {
    const { app } = await startMicroservice(moduleWith({ controllers: [SlowController] }), {
      address: broker.address,
    });
    const client = await connectedClient({ address: broker.address });
    try {
      await firstReply(() => client.query(quickChannel, {}));
      client.close();
      assert.equal(await firstReply(() => client.query(quickChannel, {})), 'quick');
    } finally {
      client.close();
      await app.close();
    }
  });
});

describe('client connect()', () => {
  it('is single-flight, and reports an unreachable broker with its address', async () => {
    const port = await freePort();
    const client = new ClientKubeMQ({ address: `127.0.0.1:${port}`, connectTimeout: 300 });
    const a = client.connect();
    const b = client.connect();
    assert.equal(a, b, 'concurrent connect() calls share one attempt');
    const error = await a.catch((e: unknown) => e);
    assert.match(
      (error as Error).message,
      new RegExp(`Cannot connect to KubeMQ at 127.0.0.1:${port}`),
    );
    const sendError = await errorOf(client.send(quickChannel, {}));
    assert.match((sendError as Error).message, /Cannot connect to KubeMQ/);
    client.close();
  });

  it('recovers after a failure once the broker is up', { skip: NEEDS_OWN_BROKER }, async () => {
    const broker = await startOwnBroker();
    await broker.kill();
    const client = new ClientKubeMQ({ address: broker.address, connectTimeout: 300 });
    try {
      await assert.rejects(client.connect(), /Cannot connect to KubeMQ/);
      await broker.restart();
      const connection = await client.connect();
      assert.ok(connection instanceof KubeMQConnection);
      assert.equal(client.unwrap<KubeMQConnection>(), connection);
    } finally {
      client.close();
      await broker.stop();
    }
  });
});

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
        const started = new Promise<void>((resolve) => (slowStarted = resolve));
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
