import 'reflect-metadata';
import { closeSync, openSync, writeSync } from 'node:fs';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { QueuePattern, ServerKubeMQ } from '../../lib';
import { emit, serveApp } from '../ipc';
import { appEnv, sleep } from './app-env';

/**
 * A Nest microservice stopped with work in flight: slow command handlers
 * and slow queue handlers, SIGTERM handled by enableShutdownHooks.
 */
interface WorkerEnv {
  address: string;
  clientId: string;
  command: string;
  queue: string;
  queueConcurrency: number;
  handlerMs: number;
  gracePeriod: number;
  /** Queue handler starts (`s <n>`) and successes (`h <n>`), written as they happen. */
  journal: string;
}

const env = appEnv<WorkerEnv>();
const journal = openSync(env.journal, 'a');
const record = (line: string): void => void writeSync(journal, `${line}\n`);

@Controller()
class WorkerController {
  @MessagePattern(env.command)
  async command(): Promise<void> {
    emit('command-started');
    await sleep(env.handlerMs);
  }

  @QueuePattern(env.queue, { concurrency: env.queueConcurrency })
  async work(@Payload() message: { n: number }): Promise<void> {
    record(`s ${message.n}`);
    emit('queue-started', message.n);
    await sleep(env.handlerMs);
    record(`h ${message.n}`);
  }
}

@Module({ controllers: [WorkerController] })
class WorkerModule {}

serveApp(async () => {
  const app = await NestFactory.createMicroservice(WorkerModule, {
    strategy: new ServerKubeMQ({
      address: env.address,
      clientId: env.clientId,
      gracePeriod: env.gracePeriod,
    }),
    logger: ['error', 'warn', 'log'],
  });
  // Exit code 0 after a clean close (Nest's default re-raises the signal: exit status 143).
  app.enableShutdownHooks(['SIGTERM'], { useProcessExit: true });
  process.once('exit', () => closeSync(journal));
  await app.listen();
  return { close: () => app.close() };
});
