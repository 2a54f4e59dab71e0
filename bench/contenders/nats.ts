import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  ClientsModule,
  MessagePattern,
  Payload,
  Transport,
  type ClientProxy,
  type MicroserviceOptions,
} from '@nestjs/microservices';
import { nestSender } from './ours';
import { type BenchEnv, type ContenderModule } from './types';

/**
 * The peer a Nest user would pick instead: Nest's built-in NATS transport
 * (ClientProxy + @MessagePattern, Transport.NATS) over a local nats-server.
 * NATS has no command/query split: both are request-reply; the "command"
 * handler returns nothing, the "query" handler echoes its payload.
 */

const CLIENT = 'NATS_BENCH';

function senderModule(env: BenchEnv) {
  @Module({
    imports: [
      ClientsModule.register([
        { name: CLIENT, transport: Transport.NATS, options: { servers: [env.address] } },
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

    @MessagePattern(env.channels.query)
    onQuery(@Payload() data: string): string {
      return data;
    }
  }
  @Module({ controllers: [BenchController] })
  class ResponderModule {}
  return ResponderModule;
}

export const nats: ContenderModule = {
  async startSender(env) {
    const app = await NestFactory.createApplicationContext(senderModule(env), { logger: false });
    const client = app.get<ClientProxy>(CLIENT);
    await client.connect();
    // Strings: Nest's JSON serializer would turn a Buffer into an array of numbers.
    return nestSender(
      app,
      (size) => 'x'.repeat(size),
      (kind, payload) => client.send(env.channels[kind], payload),
    );
  },

  async startResponder(env) {
    const app = await NestFactory.createMicroservice<MicroserviceOptions>(responderModule(env), {
      transport: Transport.NATS,
      options: { servers: [env.address] },
      logger: false,
    });
    await app.listen();
    return { close: () => app.close() };
  },
};
