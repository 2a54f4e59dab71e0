import 'reflect-metadata';
import { Controller, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientsModule, MessagePattern, Payload } from '@nestjs/microservices';
import { lastValueFrom, type Observable } from 'rxjs';
import * as current from '../../lib';
import {
  expectSize,
  type BenchEnv,
  type ContenderModule,
  type Kind,
  type ResponderDriver,
  type SenderDriver,
} from './types';

/**
 * Ours: real Nest apps. The sender is an application context with a
 * ClientKubeMQ from ClientsModule; the responder a Nest microservice on
 * ServerKubeMQ whose handlers run through Nest's whole pipeline. Payloads
 * are strings (what a Nest app would send; `text` on the wire).
 */

const CLIENT = 'KUBEMQ_BENCH';

/** The two classes a contender needs from a build of this package. */
export interface TransportClasses {
  ClientKubeMQ: typeof current.ClientKubeMQ;
  ServerKubeMQ: typeof current.ServerKubeMQ;
}

function senderModule(env: BenchEnv, { ClientKubeMQ }: TransportClasses) {
  @Module({
    imports: [
      ClientsModule.register([
        {
          name: CLIENT,
          customClass: ClientKubeMQ,
          options: { address: env.address, clientId: env.clientId },
        },
      ]),
    ],
  })
  class SenderModule {}
  return SenderModule;
}

function responderModule(env: BenchEnv) {
  @Controller()
  class BenchController {
    @MessagePattern(env.channels.command)
    onCommand(@Payload() data: string): void {
      if (typeof data !== 'string') throw new Error('expected a string payload');
    }

    @MessagePattern(env.channels.query, { type: 'query' })
    onQuery(@Payload() data: string): string {
      return data;
    }
  }
  @Module({ controllers: [BenchController] })
  class ResponderModule {}
  return ResponderModule;
}

/**
 * A sender over any Nest ClientProxy: `call` returns the Observable the app
 * would await; `lastValueFrom` is how an app awaits it.
 */
export function nestSender(
  app: INestApplicationContext,
  call: (kind: Kind, payload: string) => Observable<unknown>,
): SenderDriver {
  return {
    payload: (size: number) => 'x'.repeat(size),
    request(kind, payload, done) {
      lastValueFrom(call(kind, payload as string), { defaultValue: undefined }).then(
        () => done(),
        done,
      );
    },
    async check(kind, payload) {
      const result = await lastValueFrom(call(kind, payload as string), {
        defaultValue: undefined,
      });
      const size = typeof result === 'string' ? result.length : undefined;
      expectSize(kind, (payload as string).length, size);
    },
    async close() {
      await app.close();
    },
  };
}

/** Ours, built from `lib` (this tree, or another build given by `--baseline`). */
export function oursWith(lib: TransportClasses): ContenderModule {
  return {
    startSender: (env) => startSender(env, lib),
    startResponder: (env) => startResponder(env, lib),
  };
}

export const ours = oursWith(current);

async function startSender(env: BenchEnv, lib: TransportClasses): Promise<SenderDriver> {
  const app = await NestFactory.createApplicationContext(senderModule(env, lib), { logger: false });
  const client = app.get<current.ClientKubeMQ>(CLIENT);
  await client.connect();
  return nestSender(app, (kind, payload) =>
    kind === 'query'
      ? client.query(env.channels.query, payload)
      : client.send(env.channels.command, payload),
  );
}

async function startResponder(env: BenchEnv, lib: TransportClasses): Promise<ResponderDriver> {
  const app = await NestFactory.createMicroservice(responderModule(env), {
    strategy: new lib.ServerKubeMQ({ address: env.address, clientId: env.clientId }),
    logger: false,
  });
  await app.listen();
  return { close: () => app.close() };
}
