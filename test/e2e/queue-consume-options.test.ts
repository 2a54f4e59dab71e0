import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Controller } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern } from '@nestjs/microservices';
import { KubeMQError, ServerKubeMQ } from '../../lib';
import { uniqueChannel } from '../support/broker';
import { moduleWith, useBrokerWithClient } from '../support/nest';

// Queue handlers whose options or queue name are wrong never start: listen() says why.

describe('queues: handler options are checked when the server starts', () => {
  const env = useBrokerWithClient({ clientId: 'queue-sender' });

  it('listen() fails with a clear error naming the handler for wrong-typed extras', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ concurrency: '4' }, /concurrency must be a whole number from 1 to 1024, got "4"/],
      [{ concurrency: 0 }, /concurrency must be a whole number from 1 to 1024, got 0/],
      [{ visibilitySeconds: 1.5 }, /visibilitySeconds must be a whole number from 1 to 43200/],
      [{ waitSeconds: 7200 }, /waitSeconds must be a whole number from 1 to 3600, got 7200/],
      [{ manualAck: 'yes' }, /manualAck must be true or false, got "yes"/],
      [{ group: 'workers' }, /queues have no groups/],
    ];
    for (const [extras, expected] of cases) {
      const jobs = uniqueChannel('jobs-bad');
      @Controller()
      class Bad {
        @EventPattern<string>(jobs, { type: 'queue', ...extras })
        handle() {
          return undefined;
        }
      }
      const app = await NestFactory.createMicroservice(moduleWith({ controllers: [Bad] }), {
        strategy: new ServerKubeMQ({ address: env.broker.address }),
        logger: false,
      });
      const error = await app.listen().then(
        () => assert.fail(`listen() should have failed for ${JSON.stringify(extras)}`),
        (e: unknown) => e,
      );
      assert.ok(error instanceof KubeMQError);
      assert.match(error.message, new RegExp(`@EventPattern\\('${jobs}'\\)`));
      assert.match(error.message, expected);
      await app.close();
    }
  });

  it("listen() fails for a queue name KubeMQ refuses, with KubeMQ's text", async () => {
    @Controller()
    class Bad {
      @EventPattern<string>('jobs.*', { type: 'queue' })
      handle() {
        return undefined;
      }
    }
    const app = await NestFactory.createMicroservice(moduleWith({ controllers: [Bad] }), {
      strategy: new ServerKubeMQ({ address: env.broker.address }),
      logger: false,
    });
    const error = await app.listen().then(
      () => assert.fail('listen() should have failed'),
      (e: unknown) => e,
    );
    assert.match((error as Error).message, /@EventPattern\('jobs\.\*'\)/);
    assert.match((error as Error).message, /Error 120: invalid queue name value/);
    await app.close();
  });
});
