import 'reflect-metadata';
import { lastValueFrom } from 'rxjs';
import { serveApp } from '../ipc';
import { appEnv } from './app-env';
import { runLoop, startClientApp, type ClientAppEnv, type LoopArgs } from './client-app';

/** A Nest app that sends queue messages through ClientKubeMQ.sendToQueue(). */
const env = appEnv<ClientAppEnv>();

interface RunArgs extends LoopArgs {
  queue: string;
  /** The first n (so several runs send different messages). */
  from?: number;
}

serveApp(async () => {
  const { app, client } = await startClientApp(env);
  return {
    handlers: {
      /** Sends { n } for n = from .. from+count-1, each tried once; `confirmed` lists the accepted. */
      run: async ({ queue, from = 0, ...loop }: RunArgs) => {
        const result = await runLoop(
          loop,
          async (index) =>
            void (await lastValueFrom(client.sendToQueue(queue, { n: from + index }))),
        );
        return { ...result, confirmed: result.confirmed.map((index) => from + index) };
      },
    },
    close: () => app.close(),
  };
});
