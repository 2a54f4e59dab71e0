import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessagePattern } from '@nestjs/microservices';
import { firstValueFrom } from 'rxjs';
import { ClientKubeMQ, KubeMQConnection, KubeMQError, ServerKubeMQ } from '../../lib';
import { startTestBroker, uniqueChannel, type TestBrokerHandle } from '../support/broker';
import { NEEDS_OWN_BROKER, startOwnBroker } from '../support/own-broker';
import {
  connectedClient,
  errorOf,
  firstReply,
  moduleWith,
  startMicroservice,
} from '../support/nest';
import { freePort } from '../support/ports';
import {
  SlowController,
  nextSlowStart,
  quickChannel,
  slowChannel,
} from '../support/slow-controller';

// Starting and stopping: listen() and connect() failures, and what close() does to requests
// still in flight on either side.

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
      const started = nextSlowStart();
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
      const started = nextSlowStart();
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
