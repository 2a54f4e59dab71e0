import 'reflect-metadata';
import { Controller, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientsModule, MessagePattern, Payload } from '@nestjs/microservices';
import { lastValueFrom, type Observable } from 'rxjs';
import * as current from '../../lib';
import {
  bodyBytes,
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
 * are Buffers (`binary` on the wire: the same bytes raw and kubemq-js send);
 * with BENCH_OURS_TEXT=1 (`--ours-text`) strings (`text`: UTF-8 encoded and
 * decoded on each side, as a Nest app sending strings pays).
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
    onCommand(@Payload() data: Buffer | string): void {
      if (data.length === 0) throw new Error('expected a payload');
    }

    @MessagePattern(env.channels.query, { type: 'query' })
    onQuery(@Payload() data: Buffer | string): Buffer | string {
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
  payload: (size: number) => Buffer | string,
  call: (kind: Kind, payload: Buffer | string) => Observable<unknown>,
): SenderDriver {
  return {
    payload,
    request(kind, body, done) {
      lastValueFrom(call(kind, body as Buffer | string), { defaultValue: undefined }).then(
        () => done(),
        done,
      );
    },
    async check(kind, body) {
      const sent = body as Buffer | string;
      const result = await lastValueFrom(call(kind, sent), { defaultValue: undefined });
      if (kind === 'query' && typeof result !== typeof sent) {
        throw new Error(`query echo came back as ${typeof result}, sent ${typeof sent}`);
      }
      const size =
        typeof result === 'string' || Buffer.isBuffer(result) ? result.length : undefined;
      expectSize(kind, sent.length, size);
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
  const text = process.env.BENCH_OURS_TEXT === '1';
  const payload = text ? (size: number) => 'x'.repeat(size) : bodyBytes;
  return nestSender(app, payload, (kind, payload) =>
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
