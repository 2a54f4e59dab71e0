import { type INestMicroservice, type LoggerService, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { lastValueFrom } from 'rxjs';
import {
  ServerKubeMQ,
  type ClientKubeMQ,
  type KubeMQContext,
  type KubeMQServerOptions,
} from '../../lib';
import { delay } from './nest';

/** One event a handler saw. */
export interface Handled {
  /** Which handler (or app) saw it. */
  by: string;
  channel: string;
  sequence: number;
  data: unknown;
}

/** What the events-store handlers of a test saw, in order. */
export class HandledLog {
  readonly entries: Handled[] = [];

  /**
   * Records what a handler saw. `ctx` is the handler's `@Ctx()`, typed
   * `unknown` there: Nest 12 types @EventPattern handlers as `(data, ...args: unknown[])`.
   */
  record(by: string, data: unknown, ctx: unknown): void {
    const context = ctx as KubeMQContext;
    this.entries.push({
      by,
      channel: context.getChannel(),
      sequence: context.getSequence(),
      data,
    });
  }

  of(channel: string, by?: string): Handled[] {
    return this.entries.filter((e) => e.channel === channel && (by === undefined || e.by === by));
  }

  sequences(channel: string, by?: string): number[] {
    return this.of(channel, by).map((e) => e.sequence);
  }

  /** Waits until `channel` has `count` entries (fails after `timeoutMs`), then a moment for extras. */
  async waitFor(channel: string, count: number, timeoutMs = 15_000, settleMs = 150): Promise<void> {
    await waitUntil(
      () => this.of(channel).length >= count,
      timeoutMs,
      () =>
        `${count} events handled on ${channel} (got ${JSON.stringify(this.of(channel).map((e) => [e.by, e.sequence]))})`,
    );
    await delay(settleMs);
  }
}

/** Polls `condition` every 10 ms; throws what `describe()` says after `timeoutMs`. */
export async function waitUntil(
  condition: () => boolean,
  timeoutMs: number,
  describe: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${describe()}`);
    await delay(10);
  }
}

/** `1..n` (or `from..to`). */
export function range(from: number, to?: number): number[] {
  const [a, b] = to === undefined ? [1, from] : [from, to];
  return Array.from({ length: Math.max(0, b - a + 1) }, (_, i) => a + i);
}

/** A logger that keeps every line, for asserting what the server logged. */
export class CapturingLogger implements LoggerService {
  readonly lines: Array<{ level: string; message: string }> = [];

  log(message: unknown): void {
    this.push('log', message);
  }
  error(message: unknown): void {
    this.push('error', message);
  }
  warn(message: unknown): void {
    this.push('warn', message);
  }
  debug(message: unknown): void {
    this.push('debug', message);
  }
  verbose(message: unknown): void {
    this.push('verbose', message);
  }

  matching(pattern: RegExp, level?: string): string[] {
    return this.lines
      .filter((l) => (level === undefined || l.level === level) && pattern.test(l.message))
      .map((l) => l.message);
  }

  private push(level: string, message: unknown): void {
    this.lines.push({
      level,
      message: message instanceof Error ? message.message : String(message),
    });
  }
}

/** Boots a Nest microservice on ServerKubeMQ with `logger` (default: silent). */
export async function startStoreApp(
  module: Type<unknown>,
  options: KubeMQServerOptions,
  logger: LoggerService | false = false,
): Promise<{ app: INestMicroservice; server: ServerKubeMQ }> {
  const server = new ServerKubeMQ(options);
  const app = await NestFactory.createMicroservice(module, { strategy: server, logger });
  await app.listen();
  return { app, server };
}

/** Stores `n` events `{ n: from.. }` on `channel`, `gapMs` apart. */
export async function storeNumbered(
  client: ClientKubeMQ,
  channel: string,
  from: number,
  count: number,
  gapMs = 0,
) {
  for (const n of range(from, from + count - 1)) {
    await lastValueFrom(client.storeEvent(channel, { n }));
    if (gapMs) await delay(gapMs);
  }
}
