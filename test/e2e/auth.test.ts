import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessagePattern } from '@nestjs/microservices';
import {
  ClientKubeMQ,
  KubeMQConnection,
  KubeMQError,
  ServerKubeMQ,
  SubscribeType,
  makeSubscribe,
} from '../../lib';
import { KubeMQTestBroker } from '../../lib/testing';
import { inProcessOnly, uniqueChannel } from '../support/broker';
import { delay, errorOf, firstReply, moduleWith, startMicroservice } from '../support/nest';

const channel = uniqueChannel('secured-query');

@Controller()
class SecuredController {
  @MessagePattern(channel, { type: 'query' })
  answer() {
    return 'authorized';
  }
}

describe(
  'authToken reaches the broker as `authorization` metadata',
  {
    skip: inProcessOnly(
      "the test broker's authToken check (KubeMQ Enterprise has one, Community none)",
    ),
  },
  () => {
    const token = 'test-token-123';
    let broker: KubeMQTestBroker;

    before(async () => {
      broker = await KubeMQTestBroker.start({ authToken: token });
    });

    after(async () => {
      await broker?.stop();
    });

    it('with the right token, a server and a client work end to end', async () => {
      const { app } = await startMicroservice(moduleWith({ controllers: [SecuredController] }), {
        address: broker.address,
        authToken: token,
      });
      const client = new ClientKubeMQ({ address: broker.address, authToken: token, timeout: 3000 });
      try {
        assert.equal(await firstReply(() => client.query(channel, {})), 'authorized');
      } finally {
        client.close();
        await app.close();
      }
    });

    it("a client with a wrong token fails with the broker's refusal, naming the address", async () => {
      const client = new ClientKubeMQ({
        address: broker.address,
        authToken: 'wrong',
        connectTimeout: 1000,
      });
      try {
        const error = await errorOf(client.query(channel, {}));
        assert.ok(error instanceof KubeMQError);
        assert.match(
          error.message,
          new RegExp(`KubeMQ at ${broker.address} refused the connection`),
        );
        assert.match(
          error.message,
          /Error 421: authentication verification failed, invalid authorization token/,
        );
        assert.equal(error.grpcCode, 16);
      } finally {
        client.close();
      }
    });

    it('a server without a token fails app.listen() instead of hanging', async () => {
      const app = await NestFactory.createMicroservice(
        moduleWith({ controllers: [SecuredController] }),
        {
          strategy: new ServerKubeMQ({ address: broker.address, connectTimeout: 1000 }),
          logger: false,
        },
      );
      const error = await app.listen().then(
        () => assert.fail('listen() should fail'),
        (e: unknown) => e,
      );
      assert.match(
        (error as Error).message,
        /Error 421: authentication verification failed, no authorization token/,
      );
      await app.close();
    });

    it('a refused subscription is reported once and not retried', async () => {
      const connection = new KubeMQConnection({ address: broker.address, authToken: 'wrong' });
      const errors: KubeMQError[] = [];
      let disconnects = 0;
      try {
        connection.subscribeToRequests(
          makeSubscribe({
            SubscribeTypeData: SubscribeType.Commands,
            ClientID: 'c',
            Channel: channel,
          }),
          {
            onMessage: () => undefined,
            onError: (e) => errors.push(e),
            onDisconnect: () => (disconnects += 1),
          },
        );
        for (let i = 0; i < 100 && errors.length === 0; i += 1) await delay(10);
        await delay(100);
        assert.equal(errors.length, 1);
        assert.equal(errors[0].grpcCode, 16);
        assert.equal(disconnects, 0);
      } finally {
        connection.close();
      }
    });
  },
);
