import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientsModule } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { ClientKubeMQ, KubeMQRecordBuilder } from '../../lib';
import { emit, serveApp } from '../ipc';
import { appEnv, closedLoop, errorText, sleep } from './app-env';

/** A Nest app that sends commands through ClientKubeMQ (from ClientsModule). */
interface SenderEnv {
  address: string;
  clientId: string;
  /** The client's per-request timeout, ms. */
  timeout: number;
}

interface RunArgs {
  channel: string;
  count: number;
  concurrency: number;
  deadlineMs: number;
  backoffMs: number;
}

const env = appEnv<SenderEnv>();
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
class SenderModule {}

serveApp(async () => {
  const app = await NestFactory.createApplicationContext(SenderModule, {
    logger: ['error', 'warn'],
  });
  const client = app.get<ClientKubeMQ>(CLIENT);
  await client.connect();
  const command = (channel: string, index: number): Promise<unknown> =>
    lastValueFrom(client.send(channel, { index }));
  return {
    handlers: {
      /** A closed loop of commands; what each came to. */
      run: ({ channel, count, concurrency, deadlineMs, backoffMs }: RunArgs) =>
        closedLoop(
          count,
          concurrency,
          deadlineMs,
          backoffMs,
          async (index) => void (await command(channel, index)),
          (done) => emit('progress', done),
        ),
      /**
       * Commands with a short timeout, one after the other, until one is
       * answered: Date.now() of that answer (the responder serves again).
       */
      probe: async ({ channel, timeoutMs }: { channel: string; timeoutMs: number }) => {
        const record = new KubeMQRecordBuilder({ probe: true }).setTimeout(timeoutMs).build();
        for (;;) {
          try {
            await lastValueFrom(client.send(channel, record));
            return Date.now();
          } catch {
            await sleep(20);
          }
        }
      },
      /** `count` commands at once; resolves when all have settled. */
      burst: async ({ channel, count }: { channel: string; count: number }) => {
        const outcomes = await Promise.allSettled(
          Array.from({ length: count }, (_, index) => command(channel, index)),
        );
        return outcomes.map((outcome) =>
          outcome.status === 'fulfilled' ? 'ok' : errorText(outcome.reason),
        );
      },
    },
    close: () => app.close(),
  };
});
