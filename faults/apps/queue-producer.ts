import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientsModule } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { ClientKubeMQ } from '../../lib';
import { emit, serveApp } from '../ipc';
import { appEnv, closedLoop } from './app-env';

/** A Nest app that sends queue messages through ClientKubeMQ.sendToQueue(). */
interface ProducerEnv {
  address: string;
  clientId: string;
  timeout: number;
}

interface RunArgs {
  queue: string;
  count: number;
  concurrency: number;
  deadlineMs: number;
  backoffMs: number;
  /** The first n (so several runs send different messages). */
  from?: number;
}

const env = appEnv<ProducerEnv>();
const CLIENT = 'FAULTS';

@Module({
  imports: [
    ClientsModule.register([
      {
        name: CLIENT,
        customClass: ClientKubeMQ,
        options: { address: env.address, clientId: env.clientId, timeout: env.timeout },
      },
    ]),
  ],
})
class ProducerModule {}

serveApp(async () => {
  const app = await NestFactory.createApplicationContext(ProducerModule, {
    logger: ['error', 'warn'],
  });
  const client = app.get<ClientKubeMQ>(CLIENT);
  await client.connect();
  return {
    handlers: {
      /** Sends { n } for n = from .. from+count-1, each tried once; `confirmed` lists the accepted. */
      run: async ({ queue, count, concurrency, deadlineMs, backoffMs, from = 0 }: RunArgs) => {
        const result = await closedLoop(
          count,
          concurrency,
          deadlineMs,
          backoffMs,
          async (index) =>
            void (await lastValueFrom(client.sendToQueue(queue, { n: from + index }))),
          (done) => emit('progress', done),
        );
        return { ...result, confirmed: result.confirmed.map((index) => from + index) };
      },
    },
    close: () => app.close(),
  };
});
