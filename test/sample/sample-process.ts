// `npm run sample` and the CLI as child processes, the way a user runs them.
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { freePorts } from '../support/ports';

/** The repository root (this file runs from build/test/sample/). */
export const ROOT = resolve(__dirname, '..', '..', '..');
/** The built CLI (`npm test` builds dist/ first). */
export const CLI = join(ROOT, 'dist', 'cli', 'main.js');

/** Environment for children: without the test runner's markers or a KubeMQ to connect to. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of [
    'NODE_TEST_CONTEXT',
    'NODE_OPTIONS',
    'KUBEMQ_ADDRESS',
    'KUBEMQ_CLIENT_ID',
    'KUBEMQ_AUTH_TOKEN',
  ]) {
    delete env[name];
  }
  return { ...env, ...extra };
}

export interface SamplePorts {
  grpc: number;
  rest: number;
  api: number;
  http: number;
}

export async function freeSamplePorts(): Promise<SamplePorts> {
  const [grpc, rest, api, http] = await freePorts(4);
  return { grpc, rest, api, http };
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * Samples still running. They live in their own process groups, which a signal to this
 * process's group (CI's `timeout`, Ctrl-C on `npm test`) does not reach: kill them on the way out.
 */
const live = new Set<SampleProcess>();
let exitHooksInstalled = false;

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  const killAll = (): void => {
    for (const sample of live) sample.kill();
  };
  process.on('exit', killAll);
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(code);
    });
  }
}

/** A running `npm run sample`, in its own process group (as in a terminal). */
export class SampleProcess {
  output = '';
  readonly exited: Promise<Exit>;
  private exit: Exit | undefined;
  private listeners: Array<() => void> = [];

  private constructor(readonly child: ChildProcess) {
    const collect = (chunk: Buffer): void => {
      this.output += chunk.toString();
      for (const wake of this.listeners.splice(0)) wake();
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        for (const wake of this.listeners.splice(0)) wake();
        resolve(this.exit);
      }),
    );
  }

  /** Starts `npm run sample` with the embedded broker and HTTP on `ports`. */
  static start(ports: SamplePorts, extraEnv: Record<string, string> = {}): SampleProcess {
    const child = spawn('npm', ['run', 'sample'], {
      cwd: ROOT,
      env: childEnv({
        KUBEMQ_GRPC_PORT: String(ports.grpc),
        KUBEMQ_REST_PORT: String(ports.rest),
        KUBEMQ_API_PORT: String(ports.api),
        PORT: String(ports.http),
        ...extraEnv,
      }),
      // Its own process group, so that Ctrl-C can be sent to all of it like a terminal does.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    installExitHooks();
    const sample = new SampleProcess(child);
    live.add(sample);
    void sample.exited.then(() => live.delete(sample));
    return sample;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get hasExited(): boolean {
    return this.exit !== undefined;
  }

  /** Waits until the output matches `pattern`; fails if the process exits or time runs out. */
  async waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = this.output.match(pattern);
      if (match) return match;
      if (this.exit) {
        throw new Error(
          `sample exited (${JSON.stringify(this.exit)}) before ${pattern}:\n${this.output}`,
        );
      }
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no ${pattern} within ${timeoutMs} ms; output so far:\n${this.output}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 250));
        this.listeners.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Ctrl-C in a terminal: SIGINT to the whole process group (npm, node). */
  interrupt(): void {
    process.kill(-this.pid, 'SIGINT');
  }

  /** Last resort in cleanup: kills the whole group. */
  kill(): void {
    if (this.hasExited) return;
    try {
      process.kill(-this.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Polls `url` until it answers 200 with `body` (when given). */
export async function waitForHttp(url: string, timeoutMs: number, body?: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      const text = await res.text();
      if (res.status === 200 && (body === undefined || text === body)) return;
      last = `${res.status} ${text}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} not ready within ${timeoutMs} ms (last: ${last})`);
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A running CLI command; `done` resolves when it exits. */
export interface CliProcess {
  child: ChildProcess;
  stdout(): string;
  done: Promise<CliRun>;
}

/**
 * Starts `nestjs-kubemq <args>` (the built bin) with KUBEMQ_ADDRESS=`address`; with `viaNpx`,
 * as the README runs it: `npx nestjs-kubemq <args>`.
 */
export function startCli(args: string[], address?: string, viaNpx = false): CliProcess {
  const [command, argv] = viaNpx
    ? ['npx', ['nestjs-kubemq', ...args]]
    : [process.execPath, [CLI, ...args]];
  const child = spawn(command, argv, {
    cwd: ROOT,
    env: childEnv(address ? { KUBEMQ_ADDRESS: address } : {}),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk));
  const done = new Promise<CliRun>((resolve) =>
    child.once('exit', (code) => resolve({ code, stdout, stderr })),
  );
  return { child, stdout: () => stdout, done };
}

/** Runs a CLI command to its end (killed after `timeoutMs`). */
export async function runCli(
  args: string[],
  address?: string,
  { timeoutMs = 30_000, viaNpx = false } = {},
): Promise<CliRun> {
  const cli = startCli(args, address, viaNpx);
  const timer = setTimeout(() => cli.child.kill('SIGKILL'), timeoutMs);
  try {
    return await cli.done;
  } finally {
    clearTimeout(timer);
  }
}
