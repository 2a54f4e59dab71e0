import { CONTENDERS, type Backend, type ContenderInfo } from './contenders';
import { type BenchEnv, type Kind } from './contenders/types';
import { type AllocStats } from './alloc-meter';
import { ChildHandle, type ProcessStats } from './ipc';
import { startNatsServer, type NatsServer } from './nats-server';
import { type BenchOptions } from './options';
import { resultsDir, script } from './paths';

/** A server the contenders talk to: our broker, the echo floor, or nats-server. */
export interface BackendHandle {
  kind: Backend;
  description: string;
  address: string;
  /** CPU used so far, in µs (NaN when it is not ours to measure). */
  cpuUs(): Promise<number>;
  /** Memory too, for Node backends. */
  stats?(gc: boolean): Promise<ProcessStats>;
  /** Allocation counting, for Node backends (see ./alloc-meter). */
  alloc?: { start(): Promise<void>; stop(): Promise<AllocStats> };
  stop(): Promise<void>;
}

/** One contender's processes. */
export interface RunningContender {
  info: ContenderInfo;
  sender: ChildHandle;
  responder?: ChildHandle;
  backend: BackendHandle;
}

function nodeBackend(
  kind: Backend,
  description: string,
  child: ChildHandle,
  address: string,
): BackendHandle {
  return {
    kind,
    description,
    address,
    cpuUs: async () => (await child.stats()).cpuUs,
    stats: (gc) => child.stats(gc),
    alloc: { start: () => child.allocStart(), stop: () => child.allocStop() },
    stop: () => child.stop(),
  };
}

export async function startBackend(
  kind: Backend,
  options: BenchOptions,
): Promise<BackendHandle | string> {
  if (kind === 'nats') {
    const outcome = await startNatsServer(options.install);
    if ('skipped' in outcome) return outcome.skipped;
    const nats: NatsServer = outcome.server;
    return {
      kind,
      description: `${nats.version} on loopback`,
      address: nats.url,
      cpuUs: async () => nats.cpuUs(),
      stop: () => nats.stop(),
    };
  }
  const external = process.env.KUBEMQ_ADDRESS?.trim();
  if (kind === 'kubemq' && external) {
    return {
      kind,
      description: `external KubeMQ at ${external} (KUBEMQ_ADDRESS)`,
      address: external,
      cpuUs: async () => Number.NaN,
      stop: async () => undefined,
    };
  }
  const { child, info } = await ChildHandle.start(`${kind}-server`, script('broker-process'), [
    kind,
  ]);
  const { address } = info as { address: string };
  const description =
    kind === 'echo' ? 'bare grpc-js echo server (own process)' : 'KubeMQTestBroker (own process)';
  return nodeBackend(kind, description, child, address);
}

function profileArgs(options: BenchOptions, name: string, role: string): string[] {
  if (!options.profile.includes(name)) return [];
  return [
    '--cpu-prof',
    `--cpu-prof-dir=${resultsDir()}`,
    `--cpu-prof-name=${name}-${role}.cpuprofile`,
  ];
}

/** Everything the bench runs: backends, then each contender's responder and sender. */
export class Fleet {
  readonly running: RunningContender[] = [];
  readonly skipped: Array<{ name: string; reason: string }> = [];
  readonly backends = new Map<Backend, BackendHandle>();

  static async start(options: BenchOptions): Promise<Fleet> {
    const fleet = new Fleet();
    const wanted = CONTENDERS.filter((c) => options.contenders.includes(c.name));
    for (const backend of new Set(wanted.map((c) => c.backend))) {
      const handle = await startBackend(backend, options);
      if (typeof handle === 'string') {
        for (const c of wanted.filter((w) => w.backend === backend)) {
          fleet.skipped.push({ name: c.name, reason: handle });
        }
        console.log(`[bench] skipping ${backend} contenders: ${handle}`);
      } else {
        fleet.backends.set(backend, handle);
        console.log(`[bench] ${backend}: ${handle.description} at ${handle.address}`);
      }
    }
    for (const info of wanted) {
      const backend = fleet.backends.get(info.backend);
      if (!backend) continue;
      try {
        fleet.running.push(await fleet.startContender(info, backend, options));
        console.log(`[bench] ${info.name}: ready`);
      } catch (error) {
        const reason = (error as Error).message.split('\n')[0];
        fleet.skipped.push({ name: info.name, reason });
        console.log(`[bench] skipping ${info.name}: ${reason}`);
      }
    }
    return fleet;
  }

  private async startContender(
    info: ContenderInfo,
    backend: BackendHandle,
    options: BenchOptions,
  ): Promise<RunningContender> {
    const channels = { command: `bench.${info.name}.command`, query: `bench.${info.name}.query` };
    const env = (role: string): string =>
      JSON.stringify({
        address: backend.address,
        channels,
        clientId: `bench-${info.name}-${role}`,
      } satisfies BenchEnv);
    let responder: ChildHandle | undefined;
    if (info.backend !== 'echo') {
      responder = (
        await ChildHandle.start(
          `${info.name} responder`,
          script('responder-process'),
          [info.name, env('responder')],
          {
            execArgv: profileArgs(options, info.name, 'responder'),
          },
        )
      ).child;
    }
    let sender: ChildHandle | undefined;
    try {
      sender = (
        await ChildHandle.start(
          `${info.name} sender`,
          script('sender-process'),
          [info.name, env('sender')],
          {
            execArgv: profileArgs(options, info.name, 'sender'),
          },
        )
      ).child;
      await sender.call(
        'probe',
        { kinds: options.kinds satisfies Kind[], sizes: options.sizes },
        60_000,
      );
      return { info, sender, responder, backend };
    } catch (error) {
      await sender?.stop();
      await responder?.stop();
      throw error;
    }
  }

  async stop(): Promise<void> {
    for (const c of this.running) {
      await c.sender.stop();
      await c.responder?.stop();
    }
    for (const backend of this.backends.values()) await backend.stop();
  }
}
