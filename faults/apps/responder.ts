import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessagePattern } from '@nestjs/microservices';
import { ServerKubeMQ } from '../../lib';
import { serveApp } from '../ipc';
import { appEnv } from './app-env';

/** A Nest microservice answering the commands of one channel. */
interface ResponderEnv {
  address: string;
  clientId: string;
  channel: string;
}

const env = appEnv<ResponderEnv>();
let answered = 0;

@Controller()
class ResponderController {
  @MessagePattern(env.channel)
  answer(): void {
    answered += 1;
  }
}

@Module({ controllers: [ResponderController] })
class ResponderModule {}

serveApp(async () => {
  const app = await NestFactory.createMicroservice(ResponderModule, {
    strategy: new ServerKubeMQ({ address: env.address, clientId: env.clientId }),
    logger: ['error', 'warn', 'log'],
  });
  await app.listen();
  return {
    handlers: { answered: () => answered },
    close: () => app.close(),
  };
});
