import 'reflect-metadata';
import { closeSync, openSync, writeSync } from 'node:fs';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Payload } from '@nestjs/microservices';
import { QueuePattern, ServerKubeMQ } from '../../lib';
import { emit, serveApp } from '../ipc';
import { appEnv, sleep } from './app-env';

/** A Nest microservice consuming a queue (acked after the handler succeeded). */
interface ConsumerEnv {
  address: string;
  clientId: string;
  queue: string;
  concurrency: number;
  handlerMs: number;
  gracePeriod: number;
  /**
   * The file each handler start (`s <n>`) and success (`h <n>`) is appended
   * to, written before the handler goes on: it outlives a SIGKILL, which
   * IPC messages in flight do not.
   */
  journal: string;
}

const env = appEnv<ConsumerEnv>();
const journal = openSync(env.journal, 'a');
const record = (line: string): void => void writeSync(journal, `${line}\n`);

@Controller()
class ConsumerController {
  @QueuePattern(env.queue, { concurrency: env.concurrency })
  async handle(@Payload() message: { n: number }): Promise<void> {
    record(`s ${message.n}`);
    emit('started', message.n);
    await sleep(env.handlerMs);
    record(`h ${message.n}`);
    emit('handled', message.n);
  }
}

@Module({ controllers: [ConsumerController] })
class ConsumerModule {}

serveApp(async () => {
  const app = await NestFactory.createMicroservice(ConsumerModule, {
    strategy: new ServerKubeMQ({
      address: env.address,
      clientId: env.clientId,
      gracePeriod: env.gracePeriod,
    }),
    logger: ['error', 'warn', 'log'],
  });
  app.enableShutdownHooks(['SIGTERM'], { useProcessExit: true });
  await app.listen();
  return {
    close: async () => {
      await app.close();
      closeSync(journal);
    },
  };
});
