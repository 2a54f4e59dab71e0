import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { KubeMQContext } from '../../lib';
import { serveApp } from '../ipc';
import { appEnv } from './app-env';
import { startServerApp, type ServerAppEnv } from './server-app';

/** A Nest microservice reading an events-store channel from the first event. */
interface SubscriberEnv extends ServerAppEnv {
  channel: string;
}

const env = appEnv<SubscriberEnv>();
/** [n of the payload, sequence] of every event, in the order the handler ran. */
const handled: Array<[number, number]> = [];

@Controller()
class SubscriberController {
  @EventPattern(env.channel, { type: 'events-store', start: 'first' })
  handle(@Payload() event: { n: number }, @Ctx() ctx: KubeMQContext): void {
    handled.push([event.n, ctx.getSequence()]);
  }
}

@Module({ controllers: [SubscriberController] })
class SubscriberModule {}

serveApp(async () => {
  const app = await startServerApp(SubscriberModule, env);
  return {
    handlers: {
      count: () => handled.length,
      handled: () => handled,
    },
    close: () => app.close(),
  };
});
