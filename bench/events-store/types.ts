import { performance } from 'node:perf_hooks';

/** Where one events-store contender's process connects. */
export interface StoreEnv {
  address: string;
  clientId: string;
}

/** One contender of the events-store bench: publishing and reading stored events. */
export interface StoreDriver {
  /** Stores one event with one call (SendEvent, Store: true); `done` once KubeMQ answered. */
  storeOne(channel: string, body: Buffer, done: (error?: unknown) => void): void;
  /** Stores `count` events over the contender's SendEventsStream; `done` once all answered. */
  storeMany(channel: string, body: Buffer, count: number, done: (error?: unknown) => void): void;
  /**
   * Subscribes from the first stored event; resolves once `count` events
   * were handled, with what a {@link ReplayMeter} measured between the first and the last.
   */
  replay(channel: string, count: number): Promise<ReplayResult>;
  close(): Promise<void>;
}

export interface StoreContenderModule {
  start(env: StoreEnv): Promise<StoreDriver>;
}

/** Settles `count` results, then `done` (with the first error, if any). */
export function countdown(count: number, done: (error?: unknown) => void) {
  let left = count;
  let failure: unknown;
  return (error?: unknown) => {
    if (error !== undefined && error !== null) failure ??= error;
    left -= 1;
    if (left === 0) done(failure);
  };
}

/** A replay measured from its first event to its last (subscription set-up left out). */
export interface ReplayResult {
  events: number;
  ms: number;
  cpuUs: number;
}

/** Counts a replay's events; resolves `done` at the last one. */
export class ReplayMeter {
  private seen = 0;
  private t0 = 0;
  private cpu0: NodeJS.CpuUsage | undefined;
  private resolve: (result: ReplayResult) => void = () => undefined;
  readonly done = new Promise<ReplayResult>((resolve) => (this.resolve = resolve));

  constructor(private readonly count: number) {}

  /** Call once per event handled; true at the last one. */
  event(): boolean {
    this.seen += 1;
    if (this.seen === 1) {
      this.t0 = performance.now();
      this.cpu0 = process.cpuUsage();
    }
    if (this.seen !== this.count) return false;
    const cpu = process.cpuUsage(this.cpu0);
    this.resolve({
      events: this.count - 1,
      ms: performance.now() - this.t0,
      cpuUs: cpu.user + cpu.system,
    });
    return true;
  }
}
