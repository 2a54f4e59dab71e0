import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BROKER_LABELS, startBroker, type BrokerKind, type FaultBroker } from './brokers';
import { AppProcess } from './ipc';
import type { FaultOptions, ScenarioName } from './options';
import { appScript, logsDir } from './paths';

/** What one scenario found on one broker. */
export interface ScenarioResult {
  scenario: ScenarioName;
  broker: BrokerKind;
  /** The rule it is held to, in words. */
  rule: string;
  pass: boolean;
  /** Why it failed (empty when it passed). */
  failures: string[];
  /** The figures, by name, in the order to show them. */
  figures: Record<string, string | number>;
  /** Things worth knowing that are not failures. */
  notes: string[];
  durationMs: number;
}

/** What a scenario gets: its own broker, a way to start apps, a log. */
export class ScenarioContext {
  private readonly apps: AppProcess[] = [];
  private brokerHandle: FaultBroker | undefined;
  private readonly others: FaultBroker[] = [];
  /** A tag unique to this scenario run, for channel names and ClientIDs. */
  readonly tag: string;

  constructor(
    readonly scenario: ScenarioName,
    readonly brokerKind: BrokerKind,
    readonly options: FaultOptions,
    private readonly server: string | undefined,
  ) {
    this.tag = `${scenario}-${process.pid}-${Date.now().toString(36)}`;
  }

  /** The scenario's broker (started on first use, with an empty store). */
  async broker(): Promise<FaultBroker> {
    this.brokerHandle ??= await startBroker(this.brokerKind, this.server);
    return this.brokerHandle;
  }

  /** Another broker of the same kind, fresh, stopped with the scenario. */
  async otherBroker(): Promise<FaultBroker> {
    const broker = await startBroker(this.brokerKind, this.server);
    this.others.push(broker);
    return broker;
  }

  /** A name unique to this run: `faults-<scenario>-<pid>-<time>-<what>`. */
  name(what: string): string {
    return `faults-${this.tag}-${what}`;
  }

  log(line: string): void {
    console.log(`[faults] ${this.brokerKind} · ${this.scenario}: ${line}`);
  }

  /** The file an app's output goes to. */
  logFile(app: string): string {
    return join(logsDir(), `${this.brokerKind}-${this.scenario}-${app}.log`);
  }

  /** Starts the app `faults/apps/<script>` with `env` as its JSON argument. */
  async app(script: string, role: string, env: object): Promise<AppProcess> {
    const { app } = await AppProcess.start(
      `${role} (${script})`,
      appScript(script),
      [JSON.stringify(env)],
      this.logFile(role),
    );
    this.apps.push(app);
    return app;
  }

  /** Stops every app still running and the broker. */
  async close(): Promise<void> {
    await Promise.all(this.apps.map((app) => app.stop(5_000)));
    await this.brokerHandle?.stop();
    for (const broker of this.others.splice(0)) await broker.stop();
  }

  /** Describes the broker for the report. */
  get brokerLabel(): string {
    return BROKER_LABELS[this.brokerKind];
  }
}

/** Polls `check` until it returns true or `timeoutMs` passes; returns whether it did. */
export async function waitUntil(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  everyMs = 100,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(everyMs);
  }
}

/** 12345 → "12,345". */
export function count(value: number): string {
  return value.toLocaleString('en-US');
}

/** The most frequent texts of `messages` (digits folded), "N× text" each. */
export function commonMessages(messages: string[], top = 4): string[] {
  const counts = new Map<string, number>();
  for (const message of messages) {
    const key = message.replace(/\d+/g, 'N');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([text, n]) => `${count(n)}× ${text}`);
}
