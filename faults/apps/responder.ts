import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessagePattern } from '@nestjs/microservices';
import { ServerKubeMQ } from '../../lib';
import { emit, serveApp } from '../ipc';
import { appEnv, sleep } from './app-env';

/** A Nest microservice answering commands: `fast` at once, `slow` after `slowMs`. */
interface ResponderEnv {
  address: string;
  clientId: string;
  fast: string;
  slow: string;
  slowMs: number;
  gracePeriod: number;
}

const env = appEnv<ResponderEnv>();
const counts = { started: 0, finished: 0 };

@Controller()
class ResponderController {
  @MessagePattern(env.fast)
  fast(): void {
    counts.finished += 1;
  }

  @MessagePattern(env.slow)
  async slow(): Promise<void> {
    counts.started += 1;
    emit('started', counts.started);
    await sleep(env.slowMs);
    counts.finished += 1;
  }
}

@Module({ controllers: [ResponderController] })
class ResponderModule {}

serveApp(async () => {
  const app = await NestFactory.createMicroservice(ResponderModule, {
    strategy: new ServerKubeMQ({
      address: env.address,
      clientId: env.clientId,
      gracePeriod: env.gracePeriod,
    }),
    logger: ['error', 'warn', 'log'],
  });
  // Exit code 0 after a clean close (Nest's default re-raises the signal: exit status 143).
  app.enableShutdownHooks(['SIGTERM'], { useProcessExit: true });
  await app.listen();
  return {
    handlers: { counts: () => counts },
    close: () => app.close(),
  };
});
