import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  Controller,
  Get,
  Inject,
  Injectable,
  Module,
  Param,
  type INestApplication,
  type INestMicroservice,
} from '@nestjs/common';
import { ConfigurableModuleBuilder } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  ClientsModule,
  EventPattern,
  MessagePattern,
  Payload,
  type ClientProxy,
} from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { firstValueFrom } from 'rxjs';
import { ClientKubeMQ, KUBEMQ_TRANSPORT, ServerKubeMQ, type KubeMQClientOptions } from '../../lib';
import { startTestBroker, uniqueChannel, type TestBrokerHandle } from '../support/broker';
import { delay, firstReply, moduleWith, startMicroservice } from '../support/nest';

const usersChannel = uniqueChannel('users.get');
const auditChannel = uniqueChannel('audit');
const audit: unknown[] = [];
const auditSecond: unknown[] = [];

@Controller()
class UsersController {
  @MessagePattern(usersChannel, { type: 'query' })
  get(@Payload() id: number) {
    return { id, name: `user-${id}` };
  }

  @EventPattern(auditChannel)
  record(@Payload() entry: unknown) {
    audit.push(entry);
  }

  @EventPattern(auditChannel)
  recordAgain(@Payload() entry: unknown) {
    auditSecond.push(entry);
  }
}

@Injectable()
class UsersService {
  constructor(@Inject('USERS') private readonly client: ClientProxy) {}

  lookup(id: number) {
    return firstValueFrom((this.client as ClientKubeMQ).query(usersChannel, id));
  }

  audit(entry: unknown) {
    return firstValueFrom(this.client.emit(auditChannel, entry));
  }
}

describe('ClientsModule and a hybrid app', () => {
  let broker: TestBrokerHandle;
  let microservice: INestMicroservice;

  before(async () => {
    broker = await startTestBroker();
    ({ app: microservice } = await startMicroservice(
      moduleWith({ controllers: [UsersController] }),
      {
        address: broker.address,
      },
    ));
  });

  after(async () => {
    await microservice?.close();
    await broker?.stop();
  });

  it('ClientsModule.register injects a ClientKubeMQ into a service', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        ClientsModule.register([
          {
            name: 'USERS',
            customClass: ClientKubeMQ,
            options: { address: broker.address, timeout: 3000 },
          },
        ]),
      ],
      providers: [UsersService],
    }).compile();
    const app = moduleRef.createNestApplication();
    await app.init();
    try {
      const service = app.get(UsersService);
      assert.deepEqual(await service.lookup(5), { id: 5, name: 'user-5' });
      const client = app.get<ClientKubeMQ>('USERS');
      assert.ok(client instanceof ClientKubeMQ);
    } finally {
      await app.close();
    }
  });

  it('ClientsModule.registerAsync builds the client from injected config', async () => {
    const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN } =
      new ConfigurableModuleBuilder<KubeMQClientOptions>().build();
    @Module({
      providers: [{ provide: MODULE_OPTIONS_TOKEN, useValue: { address: broker.address } }],
      exports: [MODULE_OPTIONS_TOKEN],
    })
    class ConfigModule extends ConfigurableModuleClass {}
    const moduleRef = await Test.createTestingModule({
      imports: [
        ClientsModule.registerAsync([
          {
            name: 'USERS',
            imports: [ConfigModule],
            inject: [MODULE_OPTIONS_TOKEN],
            useFactory: (config: KubeMQClientOptions) => ({
              customClass: ClientKubeMQ,
              options: { ...config, timeout: 3000 },
            }),
          },
        ]),
      ],
      providers: [UsersService],
    }).compile();
    const app = moduleRef.createNestApplication();
    await app.init();
    try {
      assert.deepEqual(await app.get(UsersService).lookup(8), { id: 8, name: 'user-8' });
    } finally {
      await app.close();
    }
  });

  it('emit() reaches every @EventPattern handler of the channel', async () => {
    const client = new ClientKubeMQ({ address: broker.address });
    try {
      const marker = { action: 'login', at: Date.now() };
      const result = await firstValueFrom(client.emit(auditChannel, marker));
      assert.equal((result as { Sent: boolean }).Sent, true);
      for (let i = 0; i < 100 && (audit.length === 0 || auditSecond.length === 0); i += 1)
        await delay(10);
      assert.deepEqual(audit.at(-1), marker);
      assert.deepEqual(auditSecond.at(-1), marker);
    } finally {
      client.close();
    }
  });

  it('a hybrid app serves HTTP and KubeMQ, with KUBEMQ_TRANSPORT-scoped handlers', async () => {
    const hybridChannel = uniqueChannel('hybrid');

    @Controller('users')
    class HttpAndRpc {
      constructor(@Inject('USERS') private readonly client: ClientKubeMQ) {}

      @Get(':id')
      async get(@Param('id') id: string) {
        return firstValueFrom(this.client.query(usersChannel, Number(id)));
      }

      @MessagePattern(hybridChannel, KUBEMQ_TRANSPORT, { type: 'query' })
      ping() {
        return 'pong';
      }
    }

    const app: INestApplication = await NestFactory.create(
      moduleWith({
        imports: [
          ClientsModule.register([
            { name: 'USERS', customClass: ClientKubeMQ, options: { address: broker.address } },
          ]),
        ],
        controllers: [HttpAndRpc],
      }),
      { logger: false },
    );
    app.connectMicroservice({ strategy: new ServerKubeMQ({ address: broker.address }) });
    await app.startAllMicroservices();
    await app.listen(0, '127.0.0.1');
    const client = new ClientKubeMQ({ address: broker.address, timeout: 3000 });
    try {
      const url = `${await app.getUrl()}/users/3`.replace('[::1]', '127.0.0.1');
      const response = await fetch(url);
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), { id: 3, name: 'user-3' });
      assert.equal(await firstReply(() => client.query(hybridChannel, {})), 'pong');
    } finally {
      client.close();
      await app.close();
    }
  });
});
