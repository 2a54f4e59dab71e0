import { type KubeMQBrokerStore, KubeMQTestBroker } from '../../lib/testing';
import { EXTERNAL_ADDRESS } from './broker';
import { freePorts } from './ports';
import { RealServer } from './real-kubemq-server';

export { waitUntilClosed } from './real-kubemq-server';

/**
 * A broker that one test owns and may crash and start again on the same
 * ports, as a deployment restarts KubeMQ: the in-process KubeMQTestBroker by
 * default, or, in the real-server leg, a KubeMQ of its own launched through
 * the script named by `KUBEMQ_SERVER_START` (`../shared/kubemq-server/start`),
 * restarted on the same `--dir` so that its store survives.
 */
export interface OwnBroker {
  /** gRPC `host:port`. */
  readonly address: string;
  /** REST face `host:port` (always served by a real server; in-process only with `rest`). */
  readonly restAddress: string | undefined;
  /** API face `host:port` (always served by a real server; in-process only with `api`). */
  readonly apiAddress: string | undefined;
  /** True when this is a real KubeMQ process. */
  readonly real: boolean;
  /** True while the broker is up. */
  readonly running: boolean;
  /** Crashes it: SIGKILL for a real server; stop() for the in-process one (its store is kept). */
  kill(): Promise<void>;
  /** Stops it gracefully: SIGTERM for a real server (waits for its exit); stop() in-process. */
  terminate(): Promise<void>;
  /** Starts it again on the same ports (and store). */
  restart(): Promise<void>;
  /** Stops it for good and removes what it stored. Idempotent. */
  stop(): Promise<void>;
}

/** The script that starts a real KubeMQ, when the real-server leg provides one. */
export const REAL_SERVER_START = process.env.KUBEMQ_SERVER_START?.trim() || undefined;

/**
 * Reason to skip a test that must own (stop, restart) a broker: only against
 * an external KUBEMQ_ADDRESS without KUBEMQ_SERVER_START to start another.
 */
export const NEEDS_OWN_BROKER: string | false =
  EXTERNAL_ADDRESS && !REAL_SERVER_START
    ? `stops and restarts a broker of its own: set KUBEMQ_SERVER_START to a KubeMQ start script (../shared/kubemq-server/start) to run it against a real server`
    : false;

/** Options of {@link startOwnBroker}. */
export interface OwnBrokerOptions {
  /** Serve the REST face in-process too (a real server always does). */
  rest?: boolean;
  /** Serve the API face in-process too (a real server always does). */
  api?: boolean;
  /**
   * Serve gRPC over TLS with this certificate (PEM paths). A real server then
   * serves REST over TLS too; its API face stays plaintext.
   */
  tls?: { cert: string; key: string };
}

/**
 * Starts a broker this test owns: a real KubeMQ when the real-server leg
 * gave `KUBEMQ_SERVER_START`, else an in-process KubeMQTestBroker.
 */
export function startOwnBroker(options: OwnBrokerOptions = {}): Promise<OwnBroker> {
  return REAL_SERVER_START && EXTERNAL_ADDRESS
    ? RealServer.start(REAL_SERVER_START, options)
    : InProcessBroker.start(options);
}

/**
 * Starts a real KubeMQ of this process's own with the start script `script`
 * (`shared/kubemq-server/start`), on free ports and a new directory, whatever
 * the environment says: kill() SIGKILLs it, restart() starts it on the same
 * ports and `--dir`.
 */
export function startRealKubeMQ(script: string): Promise<OwnBroker> {
  return RealServer.start(script, {});
}

class InProcessBroker implements OwnBroker {
  readonly real = false;
  private broker: KubeMQTestBroker | undefined;
  /** Carried from one start to the next, like a real server's --dir. */
  private readonly store: KubeMQBrokerStore;

  private constructor(
    private readonly options: OwnBrokerOptions,
    private readonly ports: { grpc: number; rest?: number; api?: number },
    broker: KubeMQTestBroker,
  ) {
    this.broker = broker;
    this.store = broker.store;
    this.address = broker.address;
    this.restAddress = broker.restAddress;
    this.apiAddress = broker.apiAddress;
  }

  readonly address: string;
  readonly restAddress: string | undefined;
  readonly apiAddress: string | undefined;

  static async start(options: OwnBrokerOptions): Promise<InProcessBroker> {
    const [grpc, rest, api] = await freePorts(3);
    const ports = {
      grpc,
      rest: options.rest ? rest : undefined,
      api: options.api ? api : undefined,
    };
    return new InProcessBroker(options, ports, await InProcessBroker.launch(options, ports));
  }

  private static launch(
    options: OwnBrokerOptions,
    ports: { grpc: number; rest?: number; api?: number },
    store?: KubeMQBrokerStore,
  ): Promise<KubeMQTestBroker> {
    return KubeMQTestBroker.start({
      store,
      tls: options.tls,
      port: ports.grpc,
      rest: options.rest ? { port: ports.rest } : undefined,
      api: options.api ? { port: ports.api } : undefined,
    });
  }

  get running(): boolean {
    return this.broker !== undefined;
  }

  async kill(): Promise<void> {
    const broker = this.broker;
    this.broker = undefined;
    await broker?.stop();
  }

  terminate(): Promise<void> {
    return this.kill();
  }

  async restart(): Promise<void> {
    if (this.broker) return;
    this.broker = await InProcessBroker.launch(this.options, this.ports, this.store);
  }

  stop(): Promise<void> {
    return this.kill();
  }
}
