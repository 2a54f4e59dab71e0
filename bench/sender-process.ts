import { contender } from './contenders';
import { type BenchEnv, type Kind, type SenderDriver } from './contenders/types';
import { serveChild } from './ipc';
import { runLoad, type LoadResult, type LoadSpec } from './load';

/**
 * Child process: the sender of one contender. argv: contender name, env JSON.
 * `run` puts closed-loop load on and reports throughput, latency and its own CPU.
 */
export interface RunArgs extends LoadSpec {
  kind: Kind;
  size: number;
}

const PROBE_DEADLINE_MS = 15_000;

async function probe(driver: SenderDriver, kind: Kind, payload: unknown): Promise<void> {
  // Subscriptions give no "ready" signal: retry until a round trip is answered.
  const until = Date.now() + PROBE_DEADLINE_MS;
  for (;;) {
    try {
      await driver.check(kind, payload);
      return;
    } catch (error) {
      if (Date.now() > until) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

serveChild(async () => {
  const info = contender(process.argv[2]);
  const env = JSON.parse(process.argv[3]) as BenchEnv;
  const driver = await (await info.load()).startSender(env);
  const payloads = new Map<number, unknown>();
  const payloadOf = (size: number) => {
    let payload = payloads.get(size);
    if (payload === undefined) payloads.set(size, (payload = driver.payload(size)));
    return payload;
  };
  return {
    handlers: {
      probe: async ({ kinds, sizes }: { kinds: Kind[]; sizes: number[] }) => {
        for (const kind of kinds)
          for (const size of sizes) await probe(driver, kind, payloadOf(size));
      },
      run: ({ kind, size, ...spec }: RunArgs): Promise<LoadResult> => {
        const payload = payloadOf(size);
        return runLoad((done) => driver.request(kind, payload, done), spec);
      },
    },
    onExit: () => driver.close(),
  };
});
