import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXTERNAL_ADDRESS } from './broker';
import { REAL_SERVER_START, startOwnBroker, waitUntilClosed, type OwnBroker } from './own-broker';
import { freePorts } from './ports';

/**
 * KubeMQTestBroker in a process of its own, run by the package's command
 * line (`nestjs-kubemq broker --dir <dir>`), so it can be killed for real
 * (SIGKILL: no stop(), no last write) and started again on the same port
 * and data directory, as a deployment restarts KubeMQ.
 */
export class ChildProcessBroker implements OwnBroker {
  readonly real = false;
  readonly restAddress: string | undefined;
  readonly apiAddress: string | undefined;
  readonly address: string;
  /** Everything the broker processes printed on stderr (warnings about the store included). */
  readonly stderr: string[] = [];
  private child: ChildProcess | undefined;
  private stopped = false;

  private constructor(
    private readonly cli: string,
    readonly dataDir: string,
    private readonly ports: { grpc: number; rest?: number; api?: number },
    private readonly ownsDir: boolean,
  ) {
    this.address = `127.0.0.1:${ports.grpc}`;
    this.restAddress = ports.rest === undefined ? undefined : `127.0.0.1:${ports.rest}`;
    this.apiAddress = ports.api === undefined ? undefined : `127.0.0.1:${ports.api}`;
  }

  /**
   * Starts the broker of `cli` (the path of the compiled `lib/cli/main.js`)
   * on free ports, in `dataDir` (default: a new temporary directory, removed
   * by stop()).
   */
  static async start(
    cli: string,
    options: { dataDir?: string; rest?: boolean; api?: boolean } = {},
  ): Promise<ChildProcessBroker> {
    const [grpc, rest, api] = await freePorts(3);
    const ports = {
      grpc,
      rest: options.rest ? rest : undefined,
      api: options.api ? api : undefined,
    };
    const dir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'nestjs-kubemq-store-'));
    const broker = new ChildProcessBroker(cli, dir, ports, options.dataDir === undefined);
    await broker.restart();
    return broker;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** The broker's pid while it runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  async terminate(): Promise<void> {
    await this.signal('SIGTERM');
  }

  async restart(): Promise<void> {
    if (this.stopped) throw new Error('this broker was stopped for good');
    if (this.child) return;
    const { grpc, rest, api } = this.ports;
    const args = [this.cli, 'broker', '--port', String(grpc), '--dir', this.dataDir];
    args.push(...(rest === undefined ? ['--no-rest'] : ['--rest-port', String(rest)]));
    args.push(...(api === undefined ? ['--no-api'] : ['--api-port', String(api)]));
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => this.stderr.push(chunk));
    this.child = child;
    liveChildren.add(child);
    child.once('exit', () => {
      liveChildren.delete(child);
      if (this.child === child) this.child = undefined;
    });
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout.setEncoding('utf8');
      const onData = (chunk: string): void => {
        out += chunk;
        if (out.includes('Press Ctrl-C to stop.')) {
          child.stdout.off('data', onData);
          child.stdout.resume();
          resolve();
        }
      };
      child.stdout.on('data', onData);
      child.once('exit', (code, signal) =>
        reject(
          new Error(
            `the broker exited while starting (code ${code}, signal ${signal}): ${this.stderr.join('')}`,
          ),
        ),
      );
    });
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    await this.kill();
    this.stopped = true;
    if (this.ownsDir) rmSync(this.dataDir, { recursive: true, force: true });
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(force);
    for (const port of [this.ports.grpc, this.ports.rest, this.ports.api]) {
      if (port !== undefined) await waitUntilClosed(port);
    }
  }
}

/** Brokers started by this process, killed if it exits without stopping them. */
const liveChildren = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of liveChildren) child.kill('SIGKILL');
});

/**
 * A broker a test may SIGKILL and start again on the same store: the real
 * KubeMQ of the real-server leg (KUBEMQ_SERVER_START, restarted on the same
 * --dir), else KubeMQTestBroker in its own process with a data directory.
 */
export function startCrashableBroker(cli: string): Promise<OwnBroker> {
  return REAL_SERVER_START && EXTERNAL_ADDRESS ? startOwnBroker() : ChildProcessBroker.start(cli);
}
