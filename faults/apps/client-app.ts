import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientsModule } from '@nestjs/microservices';
import { ClientKubeMQ } from '../../lib';
import { emit } from '../ipc';
import { closedLoop, type LoopResult } from './app-env';

/** The env of an app that calls through ClientKubeMQ. */
export interface ClientAppEnv {
  address: string;
  clientId: string;
  /** The client's per-request timeout, ms. */
  timeout: number;
}

/** What the runner's `run` call asks of a closed loop. */
export interface LoopArgs {
  count: number;
  concurrency: number;
  deadlineMs: number;
  backoffMs: number;
}

const CLIENT = 'FAULTS';

/**
 * A Nest application context with a ClientKubeMQ registered through
 * ClientsModule, as an app would inject it; the client is connected.
 */
export async function startClientApp(
  env: ClientAppEnv,
): Promise<{ app: INestApplicationContext; client: ClientKubeMQ }> {
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
  class ClientAppModule {}

  const app = await NestFactory.createApplicationContext(ClientAppModule, {
    logger: ['error', 'warn'],
  });
  const client = app.get<ClientKubeMQ>(CLIENT);
  await client.connect();
  return { app, client };
}

/** A closed loop of `call` as `args` asks, its progress reported to the runner. */
export function runLoop(
  { count, concurrency, deadlineMs, backoffMs }: LoopArgs,
  call: (index: number) => Promise<void>,
): Promise<LoopResult> {
  return closedLoop(count, concurrency, deadlineMs, backoffMs, call, (done) =>
    emit('progress', done),
  );
}
