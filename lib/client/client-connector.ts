import { KubeMQConnection } from '../kubemq/connection';
import { type KubeMQConnectionOptions } from '../kubemq/connection-options';
import { KubeMQError } from '../kubemq/kubemq-error';

/** What the connector reports about the connection it holds. */
export interface ConnectorEvents {
  /** Connected for the first time, or the gRPC channel is connected again. */
  connected(first: boolean): void;
  /** The channel lost the broker (it dials again on the next call). */
  lost(error: KubeMQError): void;
}

/**
 * The client's one connection: a single-flight connect (concurrent callers
 * share one attempt; after a failure the next call tries again), the
 * connection's connectivity turned into events, and a close that makes a
 * connect still in flight give up.
 */
export class ClientConnector {
  private current: KubeMQConnection | undefined;
  private connecting: Promise<KubeMQConnection> | undefined;
  private generation = 0;

  constructor(
    private readonly options: KubeMQConnectionOptions,
    private readonly events: ConnectorEvents,
  ) {}

  /** The connection once connected (undefined before, and after close()). */
  get connection(): KubeMQConnection | undefined {
    return this.current;
  }

  connect(): Promise<KubeMQConnection> {
    if (this.connecting) return this.connecting;
    const attempt = this.attempt(this.generation);
    this.connecting = attempt;
    attempt.catch(() => {
      if (this.connecting === attempt) this.connecting = undefined;
    });
    return attempt;
  }

  /** Forgets the connection and returns it (the caller closes it); a connect in flight gives up. */
  detach(): KubeMQConnection | undefined {
    this.generation += 1;
    const connection = this.current;
    this.current = undefined;
    this.connecting = undefined;
    return connection;
  }

  private async attempt(generation: number): Promise<KubeMQConnection> {
    const connection = new KubeMQConnection(this.options);
    try {
      await connection.connect();
    } catch (error) {
      connection.close();
      throw error;
    }
    if (generation !== this.generation) {
      connection.close();
      throw new KubeMQError(`ClientKubeMQ was closed while connecting to ${connection.address}`);
    }
    this.current = connection;
    this.events.connected(true);
    connection.watchConnectivity((connected) => {
      if (this.current !== connection) return;
      if (connected) this.events.connected(false);
      else {
        this.events.lost(
          new KubeMQError(
            `Lost the connection to KubeMQ at ${connection.address}; the next request dials again`,
          ),
        );
      }
    });
    return connection;
  }
}
