import { type LoggerService } from '@nestjs/common';
import { firstValueFrom } from 'rxjs';
import { type ClientKubeMQ, type KubeMQContext, type KubeMQQueueMessage } from '../../lib';
import { delay } from './nest';

/** Polls `condition` every 20 ms until it holds; fails naming `what` after `timeoutMs`. */
export async function waitFor(
  what: string,
  condition: () => boolean,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(20);
  }
}

/** What is waiting in the queue, looked at without taking it (waits up to 1 s for one message). */
export function peekAll(client: ClientKubeMQ, channel: string): Promise<KubeMQQueueMessage[]> {
  return firstValueFrom(client.peekQueue(channel, { maxMessages: 100, waitSeconds: 1 }));
}

/** A Nest logger that keeps every line, for tests that check what was logged. */
export class CapturingLogger implements LoggerService {
  readonly lines: Array<{ level: string; message: string }> = [];

  log(message: unknown): void {
    this.add('log', message);
  }
  error(message: unknown): void {
    this.add('error', message);
  }
  warn(message: unknown): void {
    this.add('warn', message);
  }
  debug(message: unknown): void {
    this.add('debug', message);
  }
  verbose(message: unknown): void {
    this.add('verbose', message);
  }

  /** The warnings that contain `text`. */
  warnings(text: string): string[] {
    return this.lines
      .filter((line) => line.level === 'warn' && line.message.includes(text))
      .map((line) => line.message);
  }

  private add(level: string, message: unknown): void {
    this.lines.push({ level, message: String(message) });
  }
}

/** One delivery a queue handler saw (the queue-consume suites). */
export interface Seen {
  data: unknown;
  receiveCount: number;
  ctx: KubeMQContext;
  at: number;
}

/** What a handler saw of one delivery, and when. */
export function seenOf(data: unknown, ctx: KubeMQContext): Seen {
  return { data, receiveCount: ctx.getReceiveCount(), ctx, at: Date.now() };
}
