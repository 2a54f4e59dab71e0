import 'reflect-metadata';
import { lastValueFrom } from 'rxjs';
import { KubeMQRecordBuilder } from '../../lib';
import { serveApp } from '../ipc';
import { appEnv, errorText, sleep } from './app-env';
import { runLoop, startClientApp, type ClientAppEnv, type LoopArgs } from './client-app';

/** A Nest app that sends commands through ClientKubeMQ (from ClientsModule). */
const env = appEnv<ClientAppEnv>();

serveApp(async () => {
  const { app, client } = await startClientApp(env);
  const command = (channel: string, index: number): Promise<unknown> =>
    lastValueFrom(client.send(channel, { index }));
  return {
    handlers: {
      /** A closed loop of commands; what each came to. */
      run: ({ channel, ...loop }: LoopArgs & { channel: string }) =>
        runLoop(loop, async (index) => void (await command(channel, index))),
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
