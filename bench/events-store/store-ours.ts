import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { ClientKubeMQ, ServerKubeMQ } from '../../lib';
import { ReplayMeter, type StoreContenderModule } from './types';

/**
 * Ours: ClientKubeMQ's storeEvent() (SendEvent) and storeEvents() (the
 * shared SendEventsStream), and a Nest microservice whose
 * `@EventPattern(channel, { type: 'events-store', start: 'first' })` handler counts.
 */
export const oursStore: StoreContenderModule = {
  async start(env) {
    const client = new ClientKubeMQ({ address: env.address, clientId: env.clientId });
    await client.connect();
    return {
      storeOne(channel, body, done) {
        lastValueFrom(client.storeEvent(channel, body)).then(() => done(), done);
      },
      storeMany(channel, body, count, done) {
        const items = new Array<Buffer>(count).fill(body);
        lastValueFrom(client.storeEvents(channel, items)).then(() => done(), done);
      },
      async replay(channel, count) {
        const meter = new ReplayMeter(count);
        @Controller()
        class Counter {
          @EventPattern(channel, { type: 'events-store', start: 'first' })
          handle(): void {
            meter.event();
          }
        }
        @Module({ controllers: [Counter] })
        class ReplayModule {}
        const app = await NestFactory.createMicroservice(ReplayModule, {
          strategy: new ServerKubeMQ({ address: env.address }),
          logger: false,
        });
        await app.listen();
        const result = await meter.done;
        await app.close();
        return result;
      },
      async close() {
        client.close();
      },
    };
  },
};
