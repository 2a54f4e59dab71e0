import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { ClientKubeMQ } from '../client/client-kubemq';
import { decodeResponse } from '../client/response-decoder';
import { encodeRequest } from '../client/request-encoder';
import { KubeMQConnection } from '../kubemq/connection';
import { KubeMQRecord } from '../record-builders/kubemq.record-builder';
import { ServerKubeMQ } from '../server/server-kubemq';

/** Whose broker connection a health check uses. */
export type KubeMQHealthTarget = ServerKubeMQ | ClientKubeMQ | KubeMQConnection;

/** Options of {@link KubeMQHealthIndicator.pingCheck}. */
export interface KubeMQPingCheckOptions {
  /**
   * The app's `ServerKubeMQ` (it must be listening), a `ClientKubeMQ`
   * (connected on demand) or a `KubeMQConnection`: the check uses its connection.
   */
  target: KubeMQHealthTarget;
  /** How long the broker (and the query's responder) may take, in ms. Default 2000. */
  timeout?: number;
  /**
   * Also send a query on this channel and expect an answer, so the check
   * covers a responder (yours, or any KubeMQ client's) and not only the broker.
   */
  query?: { channel: string; data?: unknown };
}

const DEFAULT_TIMEOUT_MS = 2_000;

/**
 * A `@nestjs/terminus` health indicator for KubeMQ: it pings the broker
 * through the app's own connection and reports the broker's address, host
 * and version; optionally it round-trips a query. Down results say why.
 *
 * @example
 * ```ts
 * @Get('health/kubemq')
 * @HealthCheck()
 * check() {
 *   return this.health.check([() => this.kubemq.pingCheck('kubemq', { target: this.client })]);
 * }
 * ```
 */
@Injectable()
export class KubeMQHealthIndicator {
  constructor(private readonly indicators: HealthIndicatorService) {}

  /** Up with `{ address, host, version }` (and `query` when asked), or down with `{ address, message }`. */
  async pingCheck<const Key extends string>(
    key: Key,
    options: KubeMQPingCheckOptions,
  ): Promise<HealthIndicatorResult<Key>> {
    const indicator = this.indicators.check(key);
    const timeout = options.timeout ?? DEFAULT_TIMEOUT_MS;
    let address = addressOf(options.target);
    try {
      const connection = await connectionOf(options.target, timeout);
      address = connection.address;
      const ping = await connection.ping(timeout);
      const details = { address, host: ping.Host, version: ping.Version };
      if (!options.query) return indicator.up(details);
      const roundTripMs = await roundTrip(connection, options.query, timeout);
      return indicator.up({ ...details, query: { channel: options.query.channel, roundTripMs } });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return indicator.down({ address, message });
    }
  }
}

function addressOf(target: KubeMQHealthTarget): string | undefined {
  if (target instanceof KubeMQConnection) return target.address;
  return undefined;
}

async function connectionOf(
  target: KubeMQHealthTarget,
  timeout: number,
): Promise<KubeMQConnection> {
  if (target instanceof KubeMQConnection) return target;
  if (target instanceof ServerKubeMQ) {
    try {
      return target.unwrap<KubeMQConnection>();
    } catch {
      throw new Error('ServerKubeMQ is not listening (no connection to KubeMQ)');
    }
  }
  if (target instanceof ClientKubeMQ) {
    return withTimeout(target.connect(), timeout, 'connecting to KubeMQ');
  }
  throw new TypeError(
    'pingCheck target must be a ServerKubeMQ, a ClientKubeMQ or a KubeMQConnection',
  );
}

/** Sends one query and resolves with its round-trip time; a refusal or timeout rejects. */
async function roundTrip(
  connection: KubeMQConnection,
  query: { channel: string; data?: unknown },
  timeout: number,
): Promise<number> {
  const request = encodeRequest(
    query.channel,
    new KubeMQRecord(query.data ?? 'health', { type: 'query' }),
    connection.clientId,
    timeout,
  );
  const started = Date.now();
  const response = await connection.sendRequest(request);
  const decoded = decodeResponse(request, response);
  if (!decoded.ok) {
    const reason =
      (decoded.error as { message?: unknown }).message ?? JSON.stringify(decoded.error);
    throw new Error(`the health query on "${query.channel}" failed: ${String(reason)}`);
  }
  return Date.now() - started;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} took more than ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
