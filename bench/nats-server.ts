import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { delimiter, join } from 'node:path';
import { freePort } from '../test/support/ports';

/** A nats-server we started on loopback. */
export interface NatsServer {
  url: string;
  pid: number;
  version: string;
  /** CPU (user + system) the server has used so far, in µs (from /proc). */
  cpuUs(): number;
  stop(): Promise<void>;
}

export type NatsOutcome = { server: NatsServer } | { skipped: string };

function findOnPath(binary: string): string | undefined {
  const dirs = (process.env.PATH ?? '')
    .split(delimiter)
    .concat(['/usr/sbin', '/usr/local/sbin', '/sbin']);
  for (const dir of dirs) {
    const candidate = join(dir, binary);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

function aptInstall(): string | undefined {
  console.log(
    '[bench] nats-server not found: installing it with apt-get (Debian package nats-server)',
  );
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  if (update.status !== 0) return `apt-get update failed (exit ${update.status})`;
  const install = spawnSync('apt-get', ['install', '-y', '-qq', 'nats-server'], {
    stdio: 'inherit',
    env,
  });
  if (install.status !== 0) return `apt-get install nats-server failed (exit ${install.status})`;
  return undefined;
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until)
      throw new Error(`nats-server did not listen on port ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** utime + stime of a process from /proc, in µs. */
export function procCpuUs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields after the command: state is [0], utime is [11], stime is [12] (clock ticks).
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1_000_000) / 100;
  } catch {
    return Number.NaN;
  }
}

/**
 * Starts nats-server on a free loopback port. When it is not installed:
 * installs it with apt-get if `allowInstall` and we are root, else reports
 * why the NATS contender is skipped.
 */
export async function startNatsServer(allowInstall: boolean): Promise<NatsOutcome> {
  let binary = findOnPath('nats-server');
  if (!binary) {
    const isRoot = process.getuid?.() === 0;
    if (!allowInstall || !isRoot) {
      return {
        skipped:
          'nats-server is not installed. Install it (Debian: `apt-get install nats-server`) or run ' +
          '`npm run bench -- --install` as root (CI=true does the same) to benchmark the Nest NATS peer.',
      };
    }
    const failure = aptInstall();
    binary = findOnPath('nats-server');
    if (failure || !binary)
      return {
        skipped: `could not install nats-server: ${failure ?? 'not on PATH after install'}`,
      };
  }
  const versionRun = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  const version = (versionRun.stdout || versionRun.stderr || '').trim();
  const port = await freePort();
  const proc: ChildProcess = spawn(binary, ['-a', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  proc.stderr?.on('data', (chunk: Buffer) => {
    if (stderr.length < 4_000) stderr += chunk.toString();
  });
  try {
    await waitForPort(port, 10_000);
  } catch (error) {
    proc.kill('SIGKILL');
    return { skipped: `${(error as Error).message}; its output: ${stderr.trim()}` };
  }
  const pid = proc.pid!;
  return {
    server: {
      url: `nats://127.0.0.1:${port}`,
      pid,
      version,
      cpuUs: () => procCpuUs(pid),
      stop: () =>
        new Promise<void>((resolve) => {
          if (proc.exitCode !== null) return resolve();
          const timer = setTimeout(() => proc.kill('SIGKILL'), 3_000);
          proc.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          proc.kill('SIGTERM');
        }),
    },
  };
}
