import { Server, type ServiceDefinition } from '@grpc/grpc-js';
import { fastServiceDefinition } from '../kubemq/methods';
import { KubeMQBrokerStore } from './broker-store';
import { brokerCredentials, type KubeMQTestBrokerTlsOptions } from './broker-tls';
import { KUBEMQ_MAX_MESSAGE_BYTES } from '../kubemq/proto';
import { KubeMQGrpcService } from './grpc-service';
import { BrokerListenError, probePort } from './listen-error';
import { requireToken } from './token-check';
import type { HttpFaces } from './rest/http-faces';
import type { DiskStore } from './persistence/disk-store';

/** Options of {@link KubeMQTestBroker.start}. */
export interface KubeMQTestBrokerOptions {
  /** TCP port to listen on; omitted or 0 picks a free port. */
  port?: number;
  /** Interface to listen on; defaults to `127.0.0.1`. */
  host?: string;
  /**
   * Also serve KubeMQ's REST face (a real server's port 9090): `/ping`,
   * `/send/request`, `/send/response`, `/send/event` (plain or Store), the
   * WebSocket subscriptions `/subscribe/requests` and `/subscribe/events`
   * (events and events store), the WebSocket `/send/stream`, and the queue
   * routes `/queue/send`, `/queue/send_batch`, `/queue/receive`,
   * `/queue/ack_all`, `/queue/info` and the WebSocket `/queue/stream`.
   * `true` picks a free port. Off by default.
   */
  rest?: boolean | { port?: number };
  /** Also serve the API face's `/health` and `/ready` (a real server's port 8080). Off by default. */
  api?: boolean | { port?: number };
  /**
   * Require this token in the `authorization` metadata of every gRPC call,
   * as a KubeMQ Enterprise server with authentication does (Community
   * accepts anything). A missing or wrong token gets UNAUTHENTICATED,
   * `Error 421: authentication verification failed, ...`. Off by default.
   */
  authToken?: string;
  /**
   * The stored state of an earlier broker (its `store`): events-store
   * channels, durable subscription positions and queues carry on, as when
   * a real KubeMQ restarts on the same `--dir`. Default: a new, empty store.
   * Not with `dataDir`.
   */
  store?: KubeMQBrokerStore;
  /**
   * Keep the store on disk in this directory (created when missing), as a
   * real KubeMQ keeps its `--dir`: a broker killed at any moment, SIGKILL
   * included, and started again on the same `dataDir` carries on with its
   * events store (events and durable positions) and queues. Whatever the
   * broker confirmed to a sender (a stored event's Result, a queue send's
   * result) is written before the confirmation leaves. Settlements are
   * written lazily (queue acks at the end of the event-loop turn they happen
   * in, events-store subscription positions within 50 ms), so a kill can
   * undo the last of them: the message or event is delivered again
   * (at-least-once, never lost). Messages consumers held when the
   * broker died are ready again at once. A damaged or unfinished last
   * record is skipped with a warning ({@link KubeMQTestBroker.storeWarnings},
   * also printed with console.warn). One broker per directory at a time.
   * Default: in memory only.
   */
  dataDir?: string;
  /**
   * Serve gRPC over TLS with this certificate, and with `requireClientCert`
   * only to clients whose certificate `ca` signed (mutual TLS). The REST and
   * API faces stay plaintext. Default: plaintext.
   */
  tls?: KubeMQTestBrokerTlsOptions;
}

/** The port asked for an optional face: undefined when it is off. */
function facePort(option: boolean | { port?: number } | undefined): number | undefined {
  if (!option) return undefined;
  return option === true ? 0 : (option.port ?? 0);
}

/** The disk store in `dataDir`, loaded only when asked for; its warnings are printed. */
async function openDataDir(dataDir: string | undefined): Promise<DiskStore | undefined> {
  if (dataDir === undefined) return undefined;
  const { DiskStore: Disk } = await import('./persistence/disk-store');
  const disk = Disk.open(dataDir);
  for (const warning of disk.warnings) console.warn(`[KubeMQTestBroker] ${warning}`);
  return disk;
}

/** The Version the broker reports in Ping. */
export const TEST_BROKER_VERSION = 'nestjs-kubemq-test-broker';

/** How long stop() lets in-flight calls finish before it cuts connections. */
const STOP_GRACE_MS = 250;

function formatAddress(host: string, port: number): string {
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return reachable.includes(':') ? `[${reachable}]:${port}` : `${reachable}:${port}`;
}

/**
 * A KubeMQ-compatible broker that runs in the current process and speaks
 * the real gRPC protocol (`kubemq.kubemq` service), for tests and local
 * development without a KubeMQ server.
 *
 * It behaves like KubeMQ Community v2.4 for commands, queries, events, the
 * events store and queues: the same validation order and error texts,
 * fan-out with queue groups, wildcard subscriptions, requests that fail with
 * `Error 301: timeout for request message` only after their full Timeout;
 * events-store subscriptions with every start position, one live
 * subscription per ClientID and the real server's durable resume (the same
 * ClientID on the same channel carries on where it stopped; a group's
 * position is shared and outlives its members); queues with send, batch,
 * upstream, pull and peek, ack all, stream and downstream transactions, dead
 * letters, delays and expiry. What the events store and the queues hold is
 * kept in {@link KubeMQTestBroker.store} and survives a restart with
 * `start({ store })`, or on disk with `start({ dataDir })`, which also
 * survives the process being killed (see {@link KubeMQTestBrokerOptions.dataDir}).
 *
 * @example
 * ```ts
 * const broker = await KubeMQTestBroker.start();
 * // connect clients to broker.address, e.g. '127.0.0.1:43121'
 * await broker.stop();
 * ```
 */
export class KubeMQTestBroker {
  /** `host:port` to connect a client to, e.g. `127.0.0.1:43121`. */
  readonly address: string;
  /** The TCP port the broker listens on. */
  readonly port: number;
  /** `host:port` of the REST face, when started with `rest`. */
  readonly restAddress: string | undefined;
  /** `host:port` of the API face (`/health`, `/ready`), when started with `api`. */
  readonly apiAddress: string | undefined;
  /** What this broker stores; hand it to the next `start({ store })` to keep it across a restart. */
  readonly store: KubeMQBrokerStore;
  /** With `dataDir`: what could not be read back from the directory (empty when all was). */
  readonly storeWarnings: readonly string[];

  private stopping: Promise<void> | undefined;

  private constructor(
    private readonly server: Server,
    private readonly service: KubeMQGrpcService,
    host: string,
    port: number,
    private readonly faces: HttpFaces | undefined,
    store: KubeMQBrokerStore,
    private readonly disk: DiskStore | undefined,
  ) {
    this.store = store;
    this.storeWarnings = disk?.warnings ?? [];
    this.port = port;
    this.address = formatAddress(host, port);
    const { restPort, apiPort } = faces ?? {};
    this.restAddress = restPort === undefined ? undefined : formatAddress(host, restPort);
    this.apiAddress = apiPort === undefined ? undefined : formatAddress(host, apiPort);
  }

  /**
   * Starts a broker listening on `options.host` (default `127.0.0.1`) and
   * `options.port` (default: a free port). Resolves once it accepts calls.
   *
   * @throws BrokerListenError when a port cannot be bound (e.g. it is
   *   taken), naming the face (gRPC, REST, API), the port and the option to change.
   */
  static async start(options: KubeMQTestBrokerOptions = {}): Promise<KubeMQTestBroker> {
    if (options.store && options.dataDir !== undefined) {
      throw new TypeError('KubeMQTestBroker.start: give either store or dataDir, not both');
    }
    const disk = await openDataDir(options.dataDir);
    try {
      return await KubeMQTestBroker.listen(options, disk);
    } catch (error) {
      disk?.close();
      throw error;
    }
  }

  private static async listen(
    options: KubeMQTestBrokerOptions,
    disk: DiskStore | undefined,
  ): Promise<KubeMQTestBroker> {
    const host = options.host ?? '127.0.0.1';
    const requestedPort = options.port ?? 0;
    const store = disk?.store ?? options.store ?? new KubeMQBrokerStore();
    const service = new KubeMQGrpcService(
      { version: TEST_BROKER_VERSION, startedAtMs: Date.now() },
      store,
    );
    const server = new Server({
      'grpc.max_receive_message_length': KUBEMQ_MAX_MESSAGE_BYTES,
      'grpc.max_send_message_length': KUBEMQ_MAX_MESSAGE_BYTES,
    });
    const handlers = options.authToken
      ? requireToken(service.handlers(), options.authToken)
      : service.handlers();
    server.addService(fastServiceDefinition() as unknown as ServiceDefinition, handlers);
    const credentials = brokerCredentials(options.tls);
    if (requestedPort !== 0) await probePort('gRPC', host, requestedPort);
    const bindHost = host.includes(':') ? `[${host}]` : host;
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync(`${bindHost}:${requestedPort}`, credentials, (error, boundPort) =>
        error
          ? reject(
              new BrokerListenError(
                'gRPC',
                host,
                requestedPort,
                BrokerListenError.codeOf(error),
                error,
              ),
            )
          : resolve(boundPort),
      );
    });
    const restPort = facePort(options.rest);
    const apiPort = facePort(options.api);
    let faces: HttpFaces | undefined;
    if (restPort !== undefined || apiPort !== undefined) {
      try {
        // Loaded only when asked for: the REST face needs the `ws` package.
        const { HttpFaces: Faces } = await import('./rest/http-faces');
        faces = await Faces.start(service, { host, restPort, apiPort });
      } catch (error) {
        server.forceShutdown();
        throw error;
      }
    }
    return new KubeMQTestBroker(server, service, host, port, faces, store, disk);
  }

  /**
   * Stops the broker: waiting SendRequest calls, pulls and AckAlls fail at
   * once and open subscription, events and queue streams end (all with
   * UNAVAILABLE, `Error 409: server is in shutdown mode`), then the server
   * closes, cutting connections still open after a short grace period.
   * Queue messages in flight go back to their queue, as on a real server
   * that shuts down: a stream transaction's message to the tail (its receive
   * counted), a downstream transaction's or a pull's in place. With
   * `dataDir`, everything is written and the directory let go last.
   * Safe to call more than once.
   */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    this.service.shutdown();
    await Promise.all([this.faces?.close(), this.closeGrpc()]);
    this.disk?.close();
  }

  private async closeGrpc(): Promise<void> {
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, STOP_GRACE_MS);
      this.server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
  }
}
