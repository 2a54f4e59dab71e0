import { parseArgs } from 'node:util';
import type { KubeMQConnectionOptions } from '../kubemq/connection-options';
import { UsageError, type UsageTopic } from './usage';

type OptionKind = { type: 'string' | 'boolean'; short?: string; multiple?: boolean };
export type OptionSpecs = Record<string, OptionKind>;

/** Options every `rpc` subcommand takes. */
export const CONNECTION_SPECS: OptionSpecs = {
  address: { type: 'string', short: 'a' },
  'client-id': { type: 'string' },
  'auth-token': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

export interface Parsed {
  positionals: string[];
  values: Record<string, string | boolean | string[] | undefined>;
}

/**
 * Parses `args` against `specs` (unknown options and missing values are
 * usage errors, shown with the `topic` usage text).
 */
export function parse(args: string[], specs: OptionSpecs, topic: UsageTopic): Parsed {
  try {
    const { positionals, values } = parseArgs({
      args,
      options: specs,
      allowPositionals: true,
      strict: true,
    });
    return { positionals, values: values as Parsed['values'] };
  } catch (error) {
    throw new UsageError((error as Error).message, topic);
  }
}

/** A string option, or undefined. */
export function stringOption(parsed: Parsed, name: string): string | undefined {
  const value = parsed.values[name];
  return typeof value === 'string' ? value : undefined;
}

/** A non-negative integer option (`--timeout 5000`), or `fallback` when absent. */
export function integerOption(
  parsed: Parsed,
  name: string,
  fallback: number,
  topic: UsageTopic,
  { min = 0, max = 2_147_483_647 }: { min?: number; max?: number } = {},
): number {
  const text = stringOption(parsed, name);
  if (text === undefined) return fallback;
  if (!/^[0-9]+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new UsageError(
      `--${name} must be a whole number from ${min} to ${max}, got "${text}"`,
      topic,
    );
  }
  return Number(text);
}

/** The default gRPC address: $KUBEMQ_ADDRESS, else the real server's default. */
export function defaultAddress(): string {
  return process.env.KUBEMQ_ADDRESS?.trim() || 'localhost:50000';
}

/** Connection options from the command line, falling back to the environment. */
export function connectionOptions(parsed: Parsed): KubeMQConnectionOptions {
  const env = process.env;
  const clientId = stringOption(parsed, 'client-id') ?? (env.KUBEMQ_CLIENT_ID?.trim() || undefined);
  const authToken =
    stringOption(parsed, 'auth-token') ?? (env.KUBEMQ_AUTH_TOKEN?.trim() || undefined);
  return {
    address: stringOption(parsed, 'address') ?? defaultAddress(),
    clientId: clientId ?? `nestjs-kubemq-cli-${process.pid}`,
    authToken,
    connectTimeout: 5000,
  };
}

/** `--tag k=v` values as a Tags map. */
export function tagsOption(parsed: Parsed, topic: UsageTopic): Record<string, string> {
  const raw = parsed.values.tag;
  const list = Array.isArray(raw) ? raw : [];
  const tags: Record<string, string> = {};
  for (const item of list) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`--tag must look like key=value, got "${item}"`, topic);
    tags[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return tags;
}
