import { fork, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';

/**
 * The fault runner's line to its child processes (Nest apps), over Node's
 * IPC channel. Parent → child: `{ id, op, args }`. Child → parent: one
 * `{ ready, info }` (or `{ failed }`) once set up, `{ id, ok, result | error }`
 * per call, and `{ event, data }` whenever the child has something to report.
 */
type ChildMessage =
  | { ready: true; info?: unknown }
  | { failed: string }
  | { id: number; ok: boolean; result?: unknown; error?: string }
  | { event: string; data?: unknown };

/** How a child process ended. */
export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Date.now() when it was seen to exit. */
  at: number;
}

/** The runner's side of one child process. */
export class AppProcess {
  private nextId = 1;
  private readonly waiting = new Map<number, (reply: { ok: boolean; value: unknown }) => void>();
  private readonly listeners = new Map<string, Array<(data: unknown) => void>>();
  private exit: ExitInfo | undefined;
  /** Resolves when the process has exited. */
  readonly exited: Promise<ExitInfo>;

  private constructor(
    readonly name: string,
    private readonly proc: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => {
      proc.once('exit', (code, signal) => {
        this.exit = { code, signal, at: Date.now() };
        for (const waiter of this.waiting.values()) {
          waiter({ ok: false, value: `${name} exited (code ${code}, signal ${signal})` });
        }
        this.waiting.clear();
        resolve(this.exit);
      });
    });
    proc.on('message', (message: ChildMessage) => {
      if ('event' in message) {
        for (const listener of this.listeners.get(message.event) ?? []) listener(message.data);
      } else if ('id' in message) {
        const waiter = this.waiting.get(message.id);
        this.waiting.delete(message.id);
        waiter?.({ ok: message.ok, value: message.ok ? message.result : message.error });
      }
    });
  }

  /**
   * Forks `script` with `args`, its output appended to `logFile`, and waits
   * until it reports ready. Rejects (and kills it) if it fails or takes
   * longer than `timeoutMs`.
   */
  static async start(
    name: string,
    script: string,
    args: string[],
    logFile: string,
    timeoutMs = 30_000,
  ): Promise<{ app: AppProcess; info: unknown }> {
    const log = openSync(logFile, 'a');
    const proc = fork(script, args, { stdio: ['ignore', log, log, 'ipc'] });
    closeSync(log);
    const app = new AppProcess(name, proc);
    const info = await new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        proc.kill('SIGKILL');
        reject(new Error(`${name} did not start within ${timeoutMs} ms (log: ${logFile})`));
      }, timeoutMs);
      const onMessage = (message: ChildMessage): void => {
        if ('ready' in message) done(() => resolve(message.info));
        else if ('failed' in message) {
          done(() => reject(new Error(`${name} failed to start: ${message.failed}`)));
        }
      };
      const onExit = (code: number | null): void =>
        done(() =>
          reject(new Error(`${name} exited while starting (code ${code}; log: ${logFile})`)),
        );
      const done = (then: () => void): void => {
        clearTimeout(timer);
        proc.off('message', onMessage);
        proc.off('exit', onExit);
        then();
      };
      proc.on('message', onMessage);
      proc.on('exit', onExit);
    });
    return { app, info };
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  /** How it exited, once it has. */
  get exitInfo(): ExitInfo | undefined {
    return this.exit;
  }

  /** Calls `op` in the child; rejects with the child's error, or when it exits or times out. */
  call<T>(op: string, args?: unknown, timeoutMs = 600_000): Promise<T> {
    if (this.exit) return Promise.reject(new Error(`${this.name} has exited`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`${this.name}: "${op}" got no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, ({ ok, value }) => {
        clearTimeout(timer);
        if (ok) resolve(value as T);
        else reject(new Error(`${this.name}: ${String(value)}`));
      });
      this.proc.send({ id, op, args });
    });
  }

  /** Runs `listener` on every `event` the child reports. */
  on(event: string, listener: (data: unknown) => void): void {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
  }

  /** Sends a signal (SIGKILL: a crash; SIGTERM: a deployment stopping it). */
  signal(signal: NodeJS.Signals): void {
    if (!this.exit) this.proc.kill(signal);
  }

  /** Asks the child to close what it opened and exit; kills it after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    if (this.exit) return;
    this.call('exit', undefined, graceMs).catch(() => undefined);
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

type Handler = (args: never) => unknown;

/** What a child sets up: what it reports when ready, the calls it answers, how it closes. */
export interface AppSetup {
  info?: unknown;
  handlers?: Record<string, Handler>;
  close?: () => Promise<void>;
}

/** Reports an event to the runner. */
export function emit(event: string, data?: unknown): void {
  process.send?.({ event, data });
}

/**
 * The child's side: runs `setup`, then answers calls with its handlers;
 * `exit` closes what it opened and ends the process (exit code 0).
 */
export function serveApp(setup: () => Promise<AppSetup>): void {
  const send = (message: ChildMessage): void => {
    process.send?.(message);
  };
  setup().then(
    ({ info, handlers = {}, close }) => {
      process.on('message', (message: { id: number; op: string; args?: unknown }) => {
        void (async () => {
          try {
            if (message.op === 'exit') {
              await close?.();
              send({ id: message.id, ok: true });
              setTimeout(() => process.exit(0), 20);
              return;
            }
            const handler = handlers[message.op];
            if (!handler) throw new Error(`unknown op "${message.op}"`);
            send({ id: message.id, ok: true, result: await handler(message.args as never) });
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

/** An error (or anything thrown) as one readable string. */
export function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (error && typeof error === 'object') {
    try {
      return JSON.stringify(error);
    } catch {
      return String(error);
    }
  }
  return String(error);
}
