import { type ContenderModule } from './types';

/** What a contender talks to. */
export type Backend = 'kubemq' | 'nats' | 'echo';

export interface ContenderInfo {
  name: string;
  label: string;
  backend: Backend;
  /** Loaded only in the child that runs it, so each process holds only its own libraries. */
  load(): Promise<ContenderModule>;
}

export const CONTENDERS: readonly ContenderInfo[] = [
  {
    name: 'raw',
    label: 'raw @grpc/grpc-js loop',
    backend: 'kubemq',
    load: async () => (await import('./raw')).raw,
  },
  {
    name: 'ours',
    label: 'nestjs-kubemq (Nest apps)',
    backend: 'kubemq',
    load: async () => (await import('./ours')).ours,
  },
  {
    name: 'ours-base',
    label: `nestjs-kubemq built from ${process.env.BENCH_BASE_LIB ?? '(set by --baseline)'}`,
    backend: 'kubemq',
    // Same apps as `ours`, on another build of lib/ (see --baseline), for before/after in one run.
    load: async () => {
      const base = process.env.BENCH_BASE_LIB;
      if (!base) throw new Error('ours-base needs --baseline=<git ref>');
      const lib = (await import(base)) as import('./ours').TransportClasses;
      return (await import('./ours')).oursWith(lib);
    },
  },
  {
    name: 'kubemq-js',
    label: 'kubemq-js 1.2 SDK',
    backend: 'kubemq',
    load: async () => (await import('./kubemq-js')).kubemqJs,
  },
  {
    name: 'nats',
    label: 'Nest NATS transport',
    backend: 'nats',
    load: async () => (await import('./nats')).nats,
  },
  {
    name: 'echo',
    label: 'gRPC floor: raw sender → echo server',
    backend: 'echo',
    // The raw sender against a server that answers SendRequest itself: no broker, no responder.
    load: async () => ({ startSender: (await import('./raw')).raw.startSender }),
  },
];

export function contender(name: string): ContenderInfo {
  const found = CONTENDERS.find((c) => c.name === name);
  if (!found)
    throw new Error(
      `unknown contender "${name}" (known: ${CONTENDERS.map((c) => c.name).join(', ')})`,
    );
  return found;
}
