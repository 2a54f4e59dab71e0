import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { get } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { type KubeMQBrokerStore, KubeMQTestBroker } from '../../lib/testing';
import { EXTERNAL_ADDRESS } from './broker';
import { freePort } from './ports';

/**
 * A broker that one test owns and may crash and start again on the same
 * ports, as a deployment restarts KubeMQ: the in-process KubeMQTestBroker by
 * default, or, in the real-server leg, a KubeMQ of its own launched through
 * the script named by `KUBEMQ_SERVER_START` (`../shared/kubemq-server/start`),
 * restarted on the same `--dir` so that its store survives.
 */
export interface OwnBroker {
  /** gRPC `host:port`. */
  readonly address: string;
  /** REST face `host:port` (always served by a real server; in-process only with `rest`). */
  readonly restAddress: string | undefined;
  /** API face `host:port` (always served by a real server; in-process only with `api`). */
  readonly apiAddress: string | undefined;
  /** True when this is a real KubeMQ process. */
  readonly real: boolean;
  /** True while the broker is up. */
  readonly running: boolean;
  /** Crashes it: SIGKILL for a real server; stop() for the in-process one (its store is kept). */
  kill(): Promise<void>;
  /** Stops it gracefully: SIGTERM for a real server (waits for its exit); stop() in-process. */
  terminate(): Promise<void>;
  /** Starts it again on the same ports (and store). */
  restart(): Promise<void>;
  /** Stops it for good and removes what it stored. Idempotent. */
  stop(): Promise<void>;
}

/** The script that starts a real KubeMQ, when the real-server leg provides one. */
export const REAL_SERVER_START = process.env.KUBEMQ_SERVER_START?.trim() || undefined;

/**
 * Reason to skip a test that must own (stop, restart) a broker: only against
 * an external KUBEMQ_ADDRESS without KUBEMQ_SERVER_START to start another.
 */
export const NEEDS_OWN_BROKER: string | false =
  EXTERNAL_ADDRESS && !REAL_SERVER_START
    ? `stops and restarts a broker of its own: set KUBEMQ_SERVER_START to a KubeMQ start script (../shared/kubemq-server/start) to run it against a real server`
    : false;

/** Options of {@link startOwnBroker}. */
export interface OwnBrokerOptions {
  /** Serve the REST face in-process too (a real server always does). */
  rest?: boolean;
  /** Serve the API face in-process too (a real server always does). */
  api?: boolean;
  /**
   * Serve gRPC over TLS with this certificate (PEM paths). A real server then
   * serves REST over TLS too; its API face stays plaintext.
   */
  tls?: { cert: string; key: string };
}

/**
 * Starts a broker this test owns: a real KubeMQ when the real-server leg
 * gave `KUBEMQ_SERVER_START`, else an in-process KubeMQTestBroker.
 */
export function startOwnBroker(options: OwnBrokerOptions = {}): Promise<OwnBroker> {
  return REAL_SERVER_START && EXTERNAL_ADDRESS
    ? RealServer.start(REAL_SERVER_START, options)
    : InProcessBroker.start(options);
}

/**
 * Starts a real KubeMQ of this process's own with the start script `script`
 * (`shared/kubemq-server/start`), on free ports and a new directory, whatever
 * the environment says: kill() SIGKILLs it, restart() starts it on the same
 * ports and `--dir`.
 */
export function startRealKubeMQ(script: string): Promise<OwnBroker> {
  return RealServer.start(script, {});
}

class InProcessBroker implements OwnBroker {
  readonly real = false;
  private broker: KubeMQTestBroker | undefined;
  /** Carried from one start to the next, like a real server's --dir. */
  private readonly store: KubeMQBrokerStore;

  private constructor(
    private readonly options: OwnBrokerOptions,
    private readonly ports: { grpc: number; rest?: number; api?: number },
    broker: KubeMQTestBroker,
  ) {
    this.broker = broker;
    this.store = broker.store;
    this.address = broker.address;
    this.restAddress = broker.restAddress;
    this.apiAddress = broker.apiAddress;
  }

  readonly address: string;
  readonly restAddress: string | undefined;
  readonly apiAddress: string | undefined;

  static async start(options: OwnBrokerOptions): Promise<InProcessBroker> {
    const ports = {
      grpc: await freePort(),
      rest: options.rest ? await freePort() : undefined,
      api: options.api ? await freePort() : undefined,
    };
    return new InProcessBroker(options, ports, await InProcessBroker.launch(options, ports));
  }

  private static launch(
    options: OwnBrokerOptions,
    ports: { grpc: number; rest?: number; api?: number },
    store?: KubeMQBrokerStore,
  ): Promise<KubeMQTestBroker> {
    return KubeMQTestBroker.start({
      store,
      tls: options.tls,
      port: ports.grpc,
      rest: options.rest ? { port: ports.rest } : undefined,
      api: options.api ? { port: ports.api } : undefined,
    });
  }

  get running(): boolean {
    return this.broker !== undefined;
  }

  async kill(): Promise<void> {
    const broker = this.broker;
    this.broker = undefined;
    await broker?.stop();
  }

  terminate(): Promise<void> {
    return this.kill();
  }

  async restart(): Promise<void> {
    if (this.broker) return;
    this.broker = await InProcessBroker.launch(this.options, this.ports, this.store);
  }

  stop(): Promise<void> {
    return this.kill();
  }
}

/** Real servers started by this test process, killed if the process exits without stopping them. */
const runningServers = new Set<number>();
process.once('exit', () => {
  for (const pid of runningServers) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

class RealServer implements OwnBroker {
  readonly real = true;
  private pid: number | undefined;
  private stopped = false;

  private constructor(
    private readonly script: string,
    private readonly dir: string,
    private readonly ports: { grpc: number; rest: number; api: number },
    private readonly tls: OwnBrokerOptions['tls'],
  ) {
    this.address = `127.0.0.1:${ports.grpc}`;
    this.restAddress = `127.0.0.1:${ports.rest}`;
    this.apiAddress = `127.0.0.1:${ports.api}`;
  }

  readonly address: string;
  readonly restAddress: string;
  readonly apiAddress: string;

  static async start(script: string, options: OwnBrokerOptions): Promise<RealServer> {
    const dir = mkdtempSync(join(tmpdir(), 'kubemq-own-'));
    const ports = { grpc: await freePort(), rest: await freePort(), api: await freePort() };
    const server = new RealServer(script, dir, ports, options.tls);
    await server.restart();
    return server;
  }

  get running(): boolean {
    return this.pid !== undefined;
  }

  async kill(): Promise<void> {
    const pid = this.pid;
    if (pid === undefined) return;
    this.pid = undefined;
    runningServers.delete(pid);
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      return;
    }
    // Its listening sockets close with it; the next start needs the ports free.
    for (const port of Object.values(this.ports)) await waitUntilClosed(port);
  }

  async terminate(): Promise<void> {
    const pid = this.pid;
    if (pid === undefined) return;
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      return this.kill();
    }
    // A real KubeMQ needs a second or two to shut down; SIGKILL it if it takes far longer.
    for (let i = 0; i < 200 && isAlive(pid); i += 1) await new Promise((r) => setTimeout(r, 50));
    await this.kill();
  }

  async restart(): Promise<void> {
    if (this.stopped) throw new Error('this KubeMQ was stopped for good');
    if (this.pid !== undefined) return;
    this.pid = this.tls ? await this.launchWithTls(this.tls) : await this.launchWithScript();
    runningServers.add(this.pid);
  }

  private async launchWithScript(): Promise<number> {
    const { grpc, rest, api } = this.ports;
    const args = ['--grpc', grpc, '--rest', rest, '--api', api, '--dir', this.dir].map(String);
    const output = await run(this.script, args);
    const pid = /KUBEMQ_PID=(\d+)/.exec(output)?.[1];
    if (!pid) throw new Error(`${this.script} printed no KUBEMQ_PID:\n${output}`);
    return Number(pid);
  }

  /**
   * The start script checks readiness over plain REST, which a TLS server
   * does not answer; so with TLS the server binary beside the script is run
   * directly, configured through the environment (SECURITY_CERT_FILENAME ...),
   * and waited for on its plaintext API port.
   */
  private async launchWithTls(tls: { cert: string; key: string }): Promise<number> {
    const binary = serverBinary(this.script);
    const log = openSync(join(this.dir, 'kubemq.log'), 'a');
    const child = spawn(binary, ['server'], {
      cwd: this.dir,
      stdio: ['ignore', log, log],
      env: {
        ...process.env,
        GRPC_PORT: String(this.ports.grpc),
        REST_PORT: String(this.ports.rest),
        API_PORT: String(this.ports.api),
        SECURITY_CERT_FILENAME: tls.cert,
        SECURITY_KEY_FILENAME: tls.key,
      },
    });
    closeSync(log);
    child.unref();
    const pid = child.pid;
    if (pid === undefined) throw new Error(`cannot start ${binary}`);
    for (let i = 0; i < 120; i += 1) {
      if (await healthy(this.ports.api)) {
        // As the start script does: subscriptions are served a moment after the API answers.
        await new Promise((resolve) => setTimeout(resolve, 500));
        return pid;
      }
      if (child.exitCode !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    child.kill('SIGKILL');
    throw new Error(`KubeMQ with TLS did not become healthy; see ${join(this.dir, 'kubemq.log')}`);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    await this.kill();
    this.stopped = true;
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0
        ? resolve(out)
        : reject(new Error(`${command} ${args.join(' ')} exited with ${code}: ${err.trim()}`)),
    );
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Resolves once nothing accepts connections on `port` (a killed broker's sockets are closed). */
export async function waitUntilClosed(port: number): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    if (!(await accepts(port))) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`port ${port} still accepts connections 5 s after SIGKILL`);
}

/** The server binary of the start script's kubemq.gz, unpacked once into the temp directory. */
function serverBinary(script: string): string {
  const archive = join(dirname(script), 'kubemq.gz');
  const { size, mtimeMs } = statSync(archive);
  const binary = join(tmpdir(), `nestjs-kubemq-kubemq-${size}-${Math.floor(mtimeMs)}`);
  if (!existsSync(binary)) {
    const partial = `${binary}.${process.pid}`;
    writeFileSync(partial, gunzipSync(readFileSync(archive)), { mode: 0o755 });
    renameSync(partial, binary);
  }
  return binary;
}

function healthy(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const request = get({ host: '127.0.0.1', port, path: '/health', timeout: 1000 }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.once('error', () => resolve(false));
    request.once('timeout', () => request.destroy());
  });
}
