import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { serveApp } from '../ipc';
import { appEnv } from './app-env';
import { startServerApp, type ServerAppEnv } from './server-app';

/** A Nest microservice answering the commands of one channel. */
interface ResponderEnv extends ServerAppEnv {
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
  const app = await startServerApp(ResponderModule, env);
  return {
    handlers: { answered: () => answered },
    close: () => app.close(),
  };
});
