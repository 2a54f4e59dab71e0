import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { QueuePattern } from '../../lib';
import { emit, serveApp } from '../ipc';
import { appEnv, sleep } from './app-env';
import { openJournal, startServerApp, type ServerAppEnv } from './server-app';

/**
 * A Nest microservice stopped with work in flight: slow command handlers
 * and slow queue handlers, SIGTERM handled by enableShutdownHooks.
 */
interface WorkerEnv extends ServerAppEnv {
  command: string;
  queue: string;
  queueConcurrency: number;
  handlerMs: number;
  /** Queue handler starts (`s <n>`) and successes (`h <n>`), see openJournal. */
  journal: string;
}

const env = appEnv<WorkerEnv>();
const record = openJournal(env.journal);

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
  const app = await startServerApp(WorkerModule, env, { stopOnSigterm: true });
  return { close: () => app.close() };
});
