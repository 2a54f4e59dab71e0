import 'reflect-metadata';
import { Controller, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientsModule, EventPattern, Payload } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { ClientKubeMQ, ServerKubeMQ } from '../../lib';
import { type QueueContenderModule } from './types';

/**
 * Ours, as an app uses it: a Nest application context whose ClientKubeMQ
 * (from ClientsModule) sends with `sendToQueue()`, and per consume a Nest
 * microservice with an `@EventPattern(queue, { type: 'queue', concurrency })`
 * handler, acked by ServerKubeMQ once the handler returned.
 */

const CLIENT = 'KUBEMQ_QUEUE_BENCH';

function consumerModule(channel: string, concurrency: number, onHandled: () => void) {
  @Controller()
  class QueueBenchController {
    @EventPattern(channel, { type: 'queue', concurrency })
    handle(@Payload() body: Buffer): void {
      if (body.length === 0) throw new Error('expected a payload');
      onHandled();
    }
  }
  @Module({ controllers: [QueueBenchController] })
  class ConsumerModule {}
  return ConsumerModule;
}

export const oursQueues: QueueContenderModule = {
  async start(env) {
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
    const senderApp = await NestFactory.createApplicationContext(SenderModule, { logger: false });
    const client = senderApp.get<ClientKubeMQ>(CLIENT);
    await client.connect();
    return {
      sender: {
        send(channel, body, done) {
          lastValueFrom(client.sendToQueue(channel, body)).then(() => done(), done);
        },
      },
      consumer: {
        async consume(channel, concurrency, onHandled) {
          const app: INestMicroservice = await NestFactory.createMicroservice(
            consumerModule(channel, concurrency, onHandled),
            {
              strategy: new ServerKubeMQ({
                address: env.address,
                clientId: `${env.clientId}-consumer`,
              }),
              logger: false,
            },
          );
          await app.listen();
          return { stop: () => app.close() };
        },
      },
      async close() {
        await senderApp.close();
      },
    };
  },
};
