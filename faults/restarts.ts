import { setTimeout as sleep } from 'node:timers/promises';
import type { FaultBroker } from './brokers';

/** One broker restart: when it was killed and when it accepted calls again (Date.now()). */
export interface Outage {
  killedAt: number;
  backAt: number;
}

/**
 * Restarts the broker `restarts` times while a run of `total` steps makes
 * progress, evenly spaced (after 1/(n+1), 2/(n+1), ... of the steps): each
 * restart is a SIGKILL, `downMs` of nothing listening, and a start on the
 * same ports and store. Restarts never overlap.
 */
export class RestartPlan {
  readonly outages: Outage[] = [];
  private readonly thresholds: number[];
  private running: Promise<void> = Promise.resolve();
  private busy = false;

  constructor(
    private readonly broker: FaultBroker,
    total: number,
    restarts: number,
    private readonly downMs: number,
    private readonly log: (line: string) => void,
    /** Called the moment the broker is back, before anything else runs. */
    private readonly onBack: (outage: Outage) => void = () => undefined,
  ) {
    this.thresholds = Array.from({ length: restarts }, (_, i) =>
      Math.floor((total * (i + 1)) / (restarts + 1)),
    );
  }

  /** Call with the run's progress; starts the next restart once its threshold is passed. */
  progress(done: number): void {
    if (this.busy || this.thresholds.length === 0 || done < this.thresholds[0]) return;
    this.thresholds.shift();
    this.busy = true;
    this.running = this.restart().then(
      () => {
        this.busy = false;
      },
      (error: unknown) => {
        this.busy = false;
        this.log(`broker restart failed: ${String(error)}`);
        throw error;
      },
    );
  }

  /** Resolves once the restart under way (if any) is over. */
  settled(): Promise<void> {
    return this.running;
  }

  /** Restarts left (the run ended before their threshold). */
  get missed(): number {
    return this.thresholds.length;
  }

  /** One restart now. */
  async restart(): Promise<Outage> {
    const killedAt = Date.now();
    await this.broker.kill();
    await sleep(this.downMs);
    await this.broker.restart();
    const outage = { killedAt, backAt: Date.now() };
    this.outages.push(outage);
    this.onBack(outage);
    this.log(
      `broker restart ${this.outages.length}: down ${outage.backAt - killedAt} ms (SIGKILL, ${this.downMs} ms, start)`,
    );
    return outage;
  }
}
