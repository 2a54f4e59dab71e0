import { closeSync, openSync, writeSync } from 'node:fs';
import type { INestMicroservice, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ServerKubeMQ } from '../../lib';

/** The env of a Nest microservice served by ServerKubeMQ. */
export interface ServerAppEnv {
  address: string;
  clientId: string;
  /** ServerKubeMQ's gracePeriod, ms (its default when absent). */
  gracePeriod?: number;
}

/**
 * Starts `module` as a Nest microservice on ServerKubeMQ and listens.
 * `stopOnSigterm`: SIGTERM closes it as enableShutdownHooks does for a
 * deployment, with exit code 0 after a clean close (Nest's default re-raises
 * the signal: exit status 143).
 */
export async function startServerApp(
  module: Type,
  { address, clientId, gracePeriod }: ServerAppEnv,
  { stopOnSigterm = false }: { stopOnSigterm?: boolean } = {},
): Promise<INestMicroservice> {
  const app = await NestFactory.createMicroservice(module, {
    strategy: new ServerKubeMQ(
      gracePeriod === undefined ? { address, clientId } : { address, clientId, gracePeriod },
    ),
    logger: ['error', 'warn', 'log'],
  });
  if (stopOnSigterm) app.enableShutdownHooks(['SIGTERM'], { useProcessExit: true });
  await app.listen();
  return app;
}

/**
 * Opens the journal queue handlers append to (`s <n>` when a handler
 * starts, `h <n>` when it succeeded): each line is written before the
 * handler goes on, so it outlives a SIGKILL, which IPC messages in flight
 * do not. Closed when the process exits.
 */
export function openJournal(path: string): (line: string) => void {
  const journal = openSync(path, 'a');
  process.once('exit', () => closeSync(journal));
  return (line) => void writeSync(journal, `${line}\n`);
}
