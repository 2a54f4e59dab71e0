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
        // Timed to 99% of the messages: KubeMQ Community can keep a message back for minutes
        // (docs/design.md, Queues through Nest), which is the broker's pace, not the client's.
        const timed = Math.max(2, Math.floor(count * 0.99));
        let handled = 0;
        let t0 = 0n;
        let cpu0 = 0;
        let result: PhaseResult | undefined;
        let allHandled: () => void = () => undefined;
        const all = new Promise<void>((resolve) => (allHandled = resolve));
        const consumer = await contender.consumer.consume(channel, concurrency, () => {
          handled += 1;
          if (handled === 1) {
            t0 = process.hrtime.bigint();
            cpu0 = cpuNow();
          }
          if (handled === timed) {
            const ms = Number(process.hrtime.bigint() - t0) / 1e6;
            result = {
              rate: ((timed - 1) / ms) * 1000,
              cpuUsPerMsg: (cpuNow() - cpu0) / (timed - 1),
              errors: 0,
            };
          }
          if (handled >= count) allHandled();
        });
        try {
          const deadline = Date.now() + 120_000;
          while (!result && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
          if (!result) throw new Error(`consumed ${handled} of ${count} in 120 s`);
          // The rest (up to 10 s more), so that the run leaves an empty queue behind if it can.
          await Promise.race([all, new Promise((r) => setTimeout(r, 10_000))]);
          const late = count - handled;
          return late > 0
            ? { ...result, errors: late, firstError: `${late} not handled in time` }
            : result;
        } finally {
          await consumer.stop();
        }
      },
    },
    onExit: () => contender.close(),
  };
});
