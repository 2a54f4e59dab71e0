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
import { freePorts } from './ports';
import { type OwnBroker, type OwnBrokerOptions } from './own-broker';

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

/**
 * A real KubeMQ process of a test's own, started by the start script on
 * free ports and a new `--dir`, SIGKILLed and started again on both.
 */
export class RealServer implements OwnBroker {
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
    const [grpc, rest, api] = await freePorts(3);
    const ports = { grpc, rest, api };
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
