import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientsModule } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { ClientKubeMQ } from '../../lib';
import { emit, serveApp } from '../ipc';
import { appEnv, closedLoop } from './app-env';

/** A Nest app that stores events through ClientKubeMQ.storeEvent(). */
interface PublisherEnv {
  address: string;
  clientId: string;
  timeout: number;
}

interface RunArgs {
  channel: string;
  count: number;
  concurrency: number;
  deadlineMs: number;
  backoffMs: number;
}

const env = appEnv<PublisherEnv>();
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
class PublisherModule {}

serveApp(async () => {
  const app = await NestFactory.createApplicationContext(PublisherModule, {
    logger: ['error', 'warn'],
  });
  const client = app.get<ClientKubeMQ>(CLIENT);
  await client.connect();
  return {
    handlers: {
      /** Stores events { n } for n = 0 .. count-1, each tried once; `confirmed` lists the n stored. */
      run: ({ channel, count, concurrency, deadlineMs, backoffMs }: RunArgs) =>
        closedLoop(
          count,
          concurrency,
          deadlineMs,
          backoffMs,
          async (n) => void (await lastValueFrom(client.storeEvent(channel, { n }))),
          (done) => emit('progress', done),
        ),
    },
    close: () => app.close(),
  };
});
