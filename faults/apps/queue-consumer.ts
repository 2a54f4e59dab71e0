import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { QueuePattern } from '../../lib';
import { emit, serveApp } from '../ipc';
import { appEnv, sleep } from './app-env';
import { openJournal, startServerApp, type ServerAppEnv } from './server-app';

/** A Nest microservice consuming a queue (acked after the handler succeeded). */
interface ConsumerEnv extends ServerAppEnv {
  queue: string;
  concurrency: number;
  handlerMs: number;
  /** Handler starts (`s <n>`) and successes (`h <n>`), see openJournal. */
  journal: string;
}

const env = appEnv<ConsumerEnv>();
const record = openJournal(env.journal);

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
  const app = await startServerApp(ConsumerModule, env, { stopOnSigterm: true });
  return { close: () => app.close() };
});
