import { serveChild } from '../ipc';
import { bodyBytes } from '../contenders/types';
import { QUEUE_CONTENDERS } from './contenders';
import { type QueueBenchEnv } from './types';

/** What one measured phase reports. */
export interface PhaseResult {
  /** Messages per second over the phase. */
  rate: number;
  /** CPU of this process (user + system) per message, µs. */
  cpuUsPerMsg: number;
  errors: number;
  firstError?: string;
}

const cpuNow = () => {
  const cpu = process.cpuUsage();
  return cpu.user + cpu.system;
};

/**
 * Child process: one queue contender. argv: contender name, env JSON.
 * `send` fills a queue (closed loop, `concurrency` sends in flight);
 * `consume` drains it with an ack per message and times the drain from the
 * first message handled to the last (so a consumer's start-up is not counted).
 */
serveChild(async () => {
  const info = QUEUE_CONTENDERS.find((c) => c.name === process.argv[2]);
  if (!info) throw new Error(`unknown queue contender "${process.argv[2]}"`);
  const env = JSON.parse(process.argv[3]) as QueueBenchEnv;
  const contender = await (await info.load()).start(env);
  return {
    handlers: {
      send: ({ channel, count, concurrency, size }: Record<string, never>): Promise<PhaseResult> =>
        new Promise((resolve) => {
          const body = bodyBytes(size);
          let started = 0;
          let finished = 0;
          let errors = 0;
          let firstError: string | undefined;
          const t0 = process.hrtime.bigint();
          const cpu0 = cpuNow();
          const next = () => {
            if (started >= count) return;
            started += 1;
            contender.sender.send(channel, body, (error) => {
              if (error) {
                errors += 1;
                firstError ??= String(error);
              }
              finished += 1;
              if (finished === count) {
                const ms = Number(process.hrtime.bigint() - t0) / 1e6;
                resolve({
                  rate: (count / ms) * 1000,
                  cpuUsPerMsg: (cpuNow() - cpu0) / count,
                  errors,
                  firstError,
                });
              } else next();
            });
          };
          for (let i = 0; i < Math.min(concurrency, count); i += 1) next();
        }),
      consume: async ({
        channel,
        count,
        concurrency,
      }: Record<string, never>): Promise<PhaseResult> => {
        let handled = 0;
        let t0 = 0n;
        let cpu0 = 0;
        let finish: (result: PhaseResult) => void = () => undefined;
        const done = new Promise<PhaseResult>((resolve) => (finish = resolve));
        const consumer = await contender.consumer.consume(channel, concurrency, () => {
          handled += 1;
          if (handled === 1) {
            t0 = process.hrtime.bigint();
            cpu0 = cpuNow();
          }
          if (handled === count) {
            const ms = Number(process.hrtime.bigint() - t0) / 1e6;
            finish({
              rate: ((count - 1) / ms) * 1000,
              cpuUsPerMsg: (cpuNow() - cpu0) / (count - 1),
              errors: 0,
            });
          }
        });
        const timeout = new Promise<PhaseResult>((_, reject) =>
          setTimeout(() => reject(new Error(`consumed ${handled} of ${count} in 120 s`)), 120_000),
        );
        try {
          return await Promise.race([done, timeout]);
        } finally {
          await consumer.stop();
        }
      },
    },
    onExit: () => contender.close(),
  };
});
