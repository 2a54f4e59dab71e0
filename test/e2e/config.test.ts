// Configuration the Nest way: ServerKubeMQ built from ConfigService through
// createMicroservice's async options, and ClientKubeMQ through ClientsModule.registerAsync,
// both reading the broker's address from @nestjs/config.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller, Inject, Injectable, Module, type INestMicroservice } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import {
  ClientsModule,
  MessagePattern,
  Payload,
  type AsyncMicroserviceOptions,
} from '@nestjs/microservices';
import { ClientKubeMQ, ServerKubeMQ, type KubeMQClientOptions } from '../../lib';
import { startTestBroker, uniqueChannel, type TestBrokerHandle } from '../support/broker';
import { firstReply } from '../support/nest';

const channel = uniqueChannel('configured-query');
const CLIENT = 'CONFIGURED_CLIENT';

@Controller()
class EchoController {
  @MessagePattern(channel, { type: 'query' })
  echo(@Payload() data: { n: number }) {
    return { n: data.n, by: 'configured-server' };
  }
}

@Injectable()
class Caller {
  constructor(@Inject(CLIENT) readonly client: ClientKubeMQ) {}
}

function configModule(address: string) {
  return ConfigModule.forRoot({
    ignoreEnvFile: true,
    load: [() => ({ KUBEMQ_ADDRESS: address, KUBEMQ_CLIENT_ID: 'configured-app' })],
  });
}

function appModule(address: string) {
  @Module({
    imports: [
      configModule(address),
      ClientsModule.registerAsync([
        {
          name: CLIENT,
          imports: [ConfigModule],
          inject: [ConfigService],
          useFactory: (config: ConfigService) => ({
            customClass: ClientKubeMQ,
            options: {
              address: config.getOrThrow<string>('KUBEMQ_ADDRESS'),
              clientId: `${config.getOrThrow<string>('KUBEMQ_CLIENT_ID')}-client`,
              timeout: 3000,
            } satisfies KubeMQClientOptions,
          }),
        },
      ]),
    ],
    controllers: [EchoController],
    providers: [Caller],
  })
  class AppModule {}
  return AppModule;
}

describe('configuration through @nestjs/config', () => {
  let broker: TestBrokerHandle;
  let app: INestMicroservice;

  before(async () => {
    broker = await startTestBroker();
    app = await NestFactory.createMicroservice<AsyncMicroserviceOptions>(
      appModule(broker.address),
      {
        inject: [ConfigService],
        useFactory: (config: ConfigService) => ({
          strategy: new ServerKubeMQ({
            address: config.getOrThrow<string>('KUBEMQ_ADDRESS'),
            clientId: config.getOrThrow<string>('KUBEMQ_CLIENT_ID'),
          }),
        }),
        logger: false,
      } as AsyncMicroserviceOptions,
    );
    await app.listen();
  });

  after(async () => {
    await app?.close();
    await broker?.stop();
  });

  it('builds ServerKubeMQ and ClientKubeMQ from ConfigService and round-trips a query', async () => {
    const { client } = app.get(Caller);
    assert.ok(client instanceof ClientKubeMQ);
    const reply = await firstReply(() =>
      client.query<{ n: number; by: string }>(channel, { n: 4 }),
    );
    assert.deepEqual(reply, { n: 4, by: 'configured-server' });
    const connection = client.unwrap<{ clientId: string; address: string }>();
    assert.equal(connection.clientId, 'configured-app-client');
    assert.equal(connection.address, broker.address);
  });
});
