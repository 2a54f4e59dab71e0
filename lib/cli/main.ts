#!/usr/bin/env node
/**
 * `nestjs-kubemq`: the command line for the other side of the walkthrough,
 * modelled on kubetools (`rpc send command`, `rpc rec command`, ...), plus
 * `broker` to run the in-process broker on its own. It uses the protocol
 * layer directly, not Nest.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runBroker } from './broker';
import { rpcReceive, rpcSend, type Console } from './rpc';
import { EXIT, usage, UsageError } from './usage';

/** The package version, read from the package.json above this file. */
function packageVersion(): string {
  let dir = __dirname;
  for (let i = 0; i < 5; i += 1) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'nestjs-kubemq') return pkg.version ?? 'unknown';
    }
    dir = dirname(dir);
  }
  return 'unknown';
}

/** Resolves on the first SIGINT or SIGTERM (Ctrl-C ends a long-running command cleanly). */
function firstSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      // A second Ctrl-C while shutting down is ignored; the shutdown is quick.
      process.on('SIGINT', () => undefined);
      process.on('SIGTERM', () => undefined);
      resolve(signal);
    };
    process.once('SIGINT', on);
    process.once('SIGTERM', on);
  });
}

/** Runs the CLI with `argv` (without node and the script). Resolves with the exit code. */
export async function main(argv: string[], io: Console): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined) {
      io.err(usage('main'));
      return EXIT.usage;
    }
    if (command === '-h' || command === '--help' || command === 'help') {
      io.out(usage('main'));
      return EXIT.ok;
    }
    if (command === '-v' || command === '--version' || command === 'version') {
      io.out(packageVersion());
      return EXIT.ok;
    }
    if (command === 'broker') return await runBroker(rest, io, firstSignal());
    if (command === 'rpc') {
      const [action, ...args] = rest;
      if (action === 'send') return await rpcSend(args, io);
      if (action === 'rec' || action === 'receive') {
        return await rpcReceive(args, io, firstSignal());
      }
      if (action === '-h' || action === '--help') {
        io.out(usage('main'));
        return EXIT.ok;
      }
      throw new UsageError(
        action === undefined
          ? 'rpc: say "send" or "rec"'
          : `rpc: unknown action "${action}" (use "send" or "rec")`,
      );
    }
    throw new UsageError(`unknown command "${command}"`);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`nestjs-kubemq: ${error.message}\n`);
    io.err(usage(error.topic));
    return EXIT.usage;
  }
}

if (require.main === module) {
  const io: Console = {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  };
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
      // Long-running commands have closed everything; short ones must not linger.
      setTimeout(() => process.exit(code), 1000).unref();
    },
    (error: unknown) => {
      io.err(`nestjs-kubemq: unexpected error: ${(error as Error)?.stack ?? String(error)}`);
      process.exit(EXIT.failure);
    },
  );
}
