import { fork, type ChildProcess } from 'node:child_process';
import { startAllocMeter, stopAllocMeter, type AllocStats } from './alloc-meter';

/**
 * A tiny request/reply protocol over Node's IPC channel between the bench
 * orchestrator and its child processes (broker, responders, senders).
 * Parent → child: `{ id, op, args }`. Child → parent: `{ id, ok, result | error }`,
 * plus one `{ ready, info }` (or `{ failed }`) once the child is set up.
 */
interface CallMessage {
  id: number;
  op: string;
  args?: unknown;
}

interface ReplyMessage {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

type ChildMessage = ReplyMessage | { ready: true; info?: unknown } | { failed: string };

/** CPU and memory of one process at one moment. */
export interface ProcessStats {
  /** process.cpuUsage() user + system, in µs. */
  cpuUs: number;
  rss: number;
  heapUsed: number;
  /** True when a full GC ran just before the memory figures were taken. */
  afterGc: boolean;
}

function extraFlags(): string[] {
  return (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter((flag) => flag !== '');
}

/** Orchestrator side of one forked child. */
export class ChildHandle {
  private nextId = 1;
  private readonly waiting = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: Error) => void }
  >();
  private exitError: Error | undefined;
  readonly exited: Promise<void>;

  private constructor(
    readonly name: string,
    readonly proc: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => {
      proc.once('exit', (code, signal) => {
        this.exitError = new Error(`${name} exited (code ${code}, signal ${signal})`);
        for (const waiter of this.waiting.values()) waiter.reject(this.exitError);
        this.waiting.clear();
        resolve();
      });
    });
    proc.on('message', (message: ChildMessage) => {
      if (!('id' in message)) return;
      const waiter = this.waiting.get(message.id);
      if (!waiter) return;
      this.waiting.delete(message.id);
      if (message.ok) waiter.resolve(message.result);
      else waiter.reject(new Error(`${name}: ${message.error}`));
    });
  }

  /** Forks `script` and waits until it reports ready (or fails, or times out). */
  static async start(
    name: string,
    script: string,
    args: string[],
    options: { execArgv?: string[]; timeoutMs?: number } = {},
  ): Promise<{ child: ChildHandle; info: unknown }> {
    const proc = fork(script, args, {
      // BENCH_NODE_FLAGS: extra Node/V8 flags for every child (e.g. "--trace-gc"), for investigations.
      execArgv: ['--expose-gc', ...extraFlags(), ...(options.execArgv ?? [])],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const child = new ChildHandle(name, proc);
    const info = await new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        proc.kill('SIGKILL');
        reject(new Error(`${name} did not start within ${options.timeoutMs ?? 20_000} ms`));
      }, options.timeoutMs ?? 20_000);
      const onMessage = (message: ChildMessage) => {
        if ('ready' in message) {
          cleanup();
          resolve(message.info);
        } else if ('failed' in message) {
          cleanup();
          reject(new Error(`${name} failed to start: ${message.failed}`));
        }
      };
      const onExit = (code: number | null) => {
        cleanup();
        reject(new Error(`${name} exited during start-up (code ${code})`));
      };
      const cleanup = () => {
        clearTimeout(timer);
        proc.off('message', onMessage);
        proc.off('exit', onExit);
      };
      proc.on('message', onMessage);
      proc.on('exit', onExit);
    });
    return { child, info };
  }

  /** Calls `op` in the child and resolves with its result. */
  call<T>(op: string, args?: unknown, timeoutMs = 600_000): Promise<T> {
    if (this.exitError) return Promise.reject(this.exitError);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`${this.name}: "${op}" got no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as T);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.proc.send({ id, op, args } satisfies CallMessage);
    });
  }

  /** CPU and memory of the child; `gc` runs a full GC first. */
  stats(gc = false): Promise<ProcessStats> {
    return this.call<ProcessStats>('stats', { gc });
  }

  /** Starts counting the child's allocations and GCs (see ./alloc-meter). */
  allocStart(): Promise<void> {
    return this.call<void>('allocStart');
  }

  /** What the child allocated since {@link allocStart}. */
  allocStop(): Promise<AllocStats> {
    return this.call<AllocStats>('allocStop');
  }

  /** Asks the child to close and exit; kills it when it does not within `graceMs`. */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.exitError) return;
    this.call('exit', undefined, graceMs).catch(() => undefined);
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

type Handler = (args: never) => unknown;

/**
 * Child side: answers calls with `handlers` (plus built-in `stats`,
 * `allocStart`, `allocStop` and `exit`), after `setup` resolved. `onExit` closes what the child opened.
 */
export function serveChild(
  setup: () => Promise<{
    info?: unknown;
    handlers?: Record<string, Handler>;
    onExit?: () => Promise<void>;
  }>,
): void {
  const send = (message: ChildMessage) => process.send?.(message);
  setup().then(
    ({ info, handlers = {}, onExit }) => {
      process.on('message', (message: CallMessage) => {
        void (async () => {
          try {
            let result: unknown;
            if (message.op === 'stats')
              result = processStats((message.args as { gc?: boolean })?.gc);
            else if (message.op === 'allocStart') startAllocMeter();
            else if (message.op === 'allocStop') result = stopAllocMeter();
            else if (message.op === 'exit') {
              await Promise.race([onExit?.(), new Promise((r) => setTimeout(r, 3_000))]);
              send({ id: message.id, ok: true });
              setTimeout(() => process.exit(0), 20);
              return;
            } else {
              const handler = handlers[message.op];
              if (!handler) throw new Error(`unknown op "${message.op}"`);
              result = await handler(message.args as never);
            }
            send({ id: message.id, ok: true, result });
          } catch (error) {
            send({ id: message.id, ok: false, error: describe(error) });
          }
        })();
      });
      process.on('disconnect', () => process.exit(0));
      send({ ready: true, info });
    },
    (error: unknown) => {
      send({ failed: describe(error) });
      setTimeout(() => process.exit(1), 20);
    },
  );
}

/** This process's CPU and memory. */
export function processStats(gc = false): ProcessStats {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (gc && collect) {
    collect();
    collect();
  }
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  return {
    cpuUs: cpu.user + cpu.system,
    rss: memory.rss,
    heapUsed: memory.heapUsed,
    afterGc: Boolean(gc && collect),
  };
}

export function describe(error: unknown): string {
  if (error instanceof Error) return error.stack ?? error.message;
  if (error && typeof error === 'object') {
    try {
      return JSON.stringify(error);
    } catch {
      return String(error);
    }
  }
  return String(error);
}
