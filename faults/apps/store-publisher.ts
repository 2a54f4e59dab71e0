import 'reflect-metadata';
import { lastValueFrom } from 'rxjs';
import { serveApp } from '../ipc';
import { appEnv } from './app-env';
import { runLoop, startClientApp, type ClientAppEnv, type LoopArgs } from './client-app';

/** A Nest app that stores events through ClientKubeMQ.storeEvent(). */
const env = appEnv<ClientAppEnv>();

serveApp(async () => {
  const { app, client } = await startClientApp(env);
  return {
    handlers: {
      /** Stores events { n } for n = 0 .. count-1, each tried once; `confirmed` lists the n stored. */
      run: ({ channel, ...loop }: LoopArgs & { channel: string }) =>
        runLoop(loop, async (n) => void (await lastValueFrom(client.storeEvent(channel, { n })))),
    },
    close: () => app.close(),
  };
});
