import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FaultBroker } from './brokers';

/** One broker restart, in Date.now() ms. */
export interface Outage {
  killedAt: number;
  /** The broker's return: the first moment its gRPC port accepted a connection again. */
  backAt: number;
  /** When its start finished (a real KubeMQ's start script also waits for its REST face). */
  startedAt: number;
}

/** How a RestartPlan restarts the broker. */
export interface RestartOptions {
  /** Steps of the run (commands, events, messages handled ...). */
  total: number;
  restarts: number;
  /** How long nothing listens between the kill and the start, ms. */
  downMs: number;
  log: (line: string) => void;
  /** SIGKILL (a crash, the default) or SIGTERM (a graceful stop, as a deployment does). */
  signal?: 'SIGKILL' | 'SIGTERM';
  /** Called the moment the broker is back, before anything else runs. */
  onBack?: (outage: Outage) => void;
}

/**
 * Restarts the broker `restarts` times while a run of `total` steps makes
 * progress, evenly spaced (after 1/(n+1), 2/(n+1), ... of the steps): each
 * restart is a SIGKILL (or SIGTERM), `downMs` of nothing listening, and a
 * start on the same ports and store. Restarts never overlap.
 */
export class RestartPlan {
  readonly outages: Outage[] = [];
  private readonly thresholds: number[];
  private running: Promise<void> = Promise.resolve();
  private busy = false;
  private lastDone = -1;
  private lastActivity = Date.now();

  constructor(
    private readonly broker: FaultBroker,
    private readonly options: RestartOptions,
  ) {
    const { total, restarts } = options;
    this.thresholds = Array.from({ length: restarts }, (_, i) =>
      Math.floor((total * (i + 1)) / (restarts + 1)),
    );
  }

  /** Call with the run's progress; starts the next restart once its threshold is passed. */
  progress(done: number): void {
    if (done !== this.lastDone) {
      this.lastDone = done;
      this.lastActivity = Date.now();
    }
    if (this.busy || this.thresholds.length === 0 || done < this.thresholds[0]) return;
    this.next();
  }

  /**
   * Runs the restarts still due once progress has stalled for `stallMs`
   * (a broker that stopped delivering still gets all its restarts), and
   * resolves when all are done.
   */
  async finish(stallMs: number): Promise<void> {
    while (this.thresholds.length > 0) {
      await this.running;
      if (this.thresholds.length > 0 && Date.now() - this.lastActivity >= stallMs) this.next();
      else await sleep(250);
    }
    await this.running;
  }

  private next(): void {
    this.thresholds.shift();
    this.busy = true;
    this.running = this.restart().then(
      () => {
        this.busy = false;
        this.lastActivity = Date.now();
        // The run may have passed the next threshold while the broker was away (failures are
        // quick), or even ended: the next restart is due now, back to back.
        if (this.thresholds.length > 0 && this.lastDone >= this.thresholds[0]) this.next();
      },
      (error: unknown) => {
        this.busy = false;
        this.options.log(`broker restart failed: ${String(error)}`);
        throw error;
      },
    );
  }

  /** Resolves once the restarts under way (if any, and any due right after them) are over. */
  async settled(): Promise<void> {
    let current: Promise<void>;
    do {
      current = this.running;
      await current;
    } while (current !== this.running);
  }

  /** Restarts left (the run ended before their threshold). */
  get missed(): number {
    return this.thresholds.length;
  }

  /** One restart now. */
  async restart(): Promise<Outage> {
    const { downMs, signal = 'SIGKILL', log, onBack } = this.options;
    const killedAt = Date.now();
    if (signal === 'SIGTERM') await this.broker.terminate();
    else await this.broker.kill();
    await sleep(downMs);
    const accepting = firstAccept(this.broker.address);
    await this.broker.restart();
    const outage = { killedAt, backAt: await accepting, startedAt: Date.now() };
    this.outages.push(outage);
    onBack?.(outage);
    log(
      `broker restart ${this.outages.length}: down ${outage.backAt - killedAt} ms ` +
        `(${signal}, ${downMs} ms, start; start done ${outage.startedAt - outage.backAt} ms after the port opened)`,
    );
    return outage;
  }
}

/** Date.now() when `address` first accepts a TCP connection (tried every 10 ms, for a minute). */
async function firstAccept(address: string): Promise<number> {
  const colon = address.lastIndexOf(':');
  const host = address.slice(0, colon);
  const port = Number(address.slice(colon + 1));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const at = await new Promise<number | undefined>((resolve) => {
      const socket = connect(port, host);
      socket.once('connect', () => {
        socket.destroy();
        resolve(Date.now());
      });
      socket.once('error', () => resolve(undefined));
    });
    if (at !== undefined) return at;
    await sleep(10);
  }
  return Date.now();
}
