import { after, before } from 'node:test';
import { Module, type INestMicroservice, type ModuleMetadata, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { firstValueFrom, type Observable } from 'rxjs';
import {
  ClientKubeMQ,
  ServerKubeMQ,
  type KubeMQClientOptions,
  type KubeMQServerOptions,
} from '../../lib';
import { EXTERNAL_ADDRESS, startTestBroker, type TestBrokerHandle } from './broker';

/** Boots a real Nest microservice with ServerKubeMQ and waits for listen(). */
export async function startMicroservice(
  module: Type<unknown>,
  options: KubeMQServerOptions,
): Promise<{ app: INestMicroservice; server: ServerKubeMQ }> {
  const server = new ServerKubeMQ(options);
  const app = await NestFactory.createMicroservice(module, { strategy: server, logger: false });
  await app.listen();
  return { app, server };
}

/** Boots a microservice of just these controllers on the broker at `address`. */
export function startControllers(
  address: string,
  ...controllers: Type<unknown>[]
): Promise<{ app: INestMicroservice; server: ServerKubeMQ }> {
  return startMicroservice(moduleWith({ controllers }), { address });
}

/** Runs `body` while a microservice of these controllers is up, and closes it after, whatever happens. */
export async function whileServing<T>(
  address: string,
  controllers: Type<unknown>[],
  body: () => Promise<T>,
): Promise<T> {
  const { app } = await startControllers(address, ...controllers);
  try {
    return await body();
  } finally {
    await app.close();
  }
}

/** A module class with the given controllers/providers (for one-off test apps). */
export function moduleWith(metadata: ModuleMetadata): Type<unknown> {
  class TestModule {}
  Module(metadata)(TestModule);
  return TestModule;
}

/** A ClientKubeMQ with a short default timeout, connected. */
export async function connectedClient(options: KubeMQClientOptions): Promise<ClientKubeMQ> {
  const client = new ClientKubeMQ({ timeout: 3000, ...options });
  await client.connect();
  return client;
}

/**
 * The first value of a request. Against a real KubeMQ, subscriptions become
 * active a moment after they are opened and nothing says when, so there the
 * first request is retried a few times on a timeout.
 */
export async function firstReply<T>(make: () => Observable<T>): Promise<T> {
  const attempts = EXTERNAL_ADDRESS ? 5 : 1;
  for (let i = 1; ; i += 1) {
    try {
      return await firstValueFrom(make());
    } catch (error) {
      const timedOut = (error as { isTimeout?: boolean }).isTimeout === true;
      if (!timedOut || i >= attempts) throw error;
    }
  }
}

/** The error an observable fails with (fails the test if it emits instead). */
export async function errorOf(source: Observable<unknown>): Promise<unknown> {
  let value: unknown;
  try {
    value = await firstValueFrom(source);
  } catch (error) {
    return error;
  }
  throw new Error(`expected an error, got ${JSON.stringify(value)}`);
}

export const delay = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A test broker and a ClientKubeMQ connected to it (with `clientOptions`),
 * started before the enclosing describe's tests and closed after them.
 * Read the fields inside the tests, not when the describe runs.
 */
export function useBrokerWithClient(clientOptions: Partial<KubeMQClientOptions> = {}): {
  readonly broker: TestBrokerHandle;
  readonly client: ClientKubeMQ;
} {
  const env = {} as { broker: TestBrokerHandle; client: ClientKubeMQ };
  before(async () => {
    env.broker = await startTestBroker();
    env.client = await connectedClient({ address: env.broker.address, ...clientOptions });
  });
  after(async () => {
    env.client?.close();
    await env.broker?.stop();
  });
  return env;
}
