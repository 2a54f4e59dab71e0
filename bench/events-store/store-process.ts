import { serveChild } from '../ipc';
import { runLoad, type LoadResult } from '../load';
import { bodyBytes } from '../contenders/types';
import { type StoreContenderModule, type StoreEnv } from './types';

/** The events-store contenders, loaded only in the child that runs one. */
const MODULES: Record<string, () => Promise<StoreContenderModule>> = {
  raw: async () => (await import('./store-raw')).rawStore,
  ours: async () => (await import('./store-ours')).oursStore,
  'kubemq-js': async () => (await import('./store-kubemq-js')).kubemqJsStore,
};

interface PublishArgs {
  channel: string;
  size: number;
  /** Calls in flight. */
  concurrency: number;
  /** Events per call (1: SendEvent; more: the stream publisher). */
  batch: number;
  durationMs: number;
}

/** Child process: one events-store contender. argv: contender name, env JSON. */
serveChild(async () => {
  const load = MODULES[process.argv[2]];
  if (!load) throw new Error(`unknown events-store contender "${process.argv[2]}"`);
  const driver = await (await load()).start(JSON.parse(process.argv[3]) as StoreEnv);
  return {
    handlers: {
      publish: ({
        channel,
        size,
        concurrency,
        batch,
        durationMs,
      }: PublishArgs): Promise<LoadResult> => {
        const body = bodyBytes(size);
        return runLoad(
          batch === 1
            ? (done) => driver.storeOne(channel, body, done)
            : (done) => driver.storeMany(channel, body, batch, done),
          { concurrency, durationMs },
        );
      },
      fill: async ({ channel, size, count }: { channel: string; size: number; count: number }) => {
        const body = bodyBytes(size);
        for (let stored = 0; stored < count; stored += 1000) {
          const batch = Math.min(1000, count - stored);
          await new Promise<void>((resolve, reject) =>
            driver.storeMany(channel, body, batch, (error) =>
              error ? reject(error as Error) : resolve(),
            ),
          );
        }
      },
      replay: ({ channel, count }: { channel: string; count: number }) =>
        driver.replay(channel, count),
    },
    onExit: () => driver.close(),
  };
});
