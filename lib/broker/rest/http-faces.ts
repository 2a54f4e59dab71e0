import { ApiFace } from './api-server';
import type { BrokerCore } from './broker-core';
import { RestFace } from './rest-server';

/** Which HTTP faces to start, and on which ports (0 = a free port). */
export interface HttpFacesOptions {
  host: string;
  restPort?: number;
  apiPort?: number;
}

/**
 * The broker's HTTP listeners: the REST face and the API face, each
 * optional. Loaded by KubeMQTestBroker only when one is asked for, so
 * brokers without them never load the `ws` package.
 */
export class HttpFaces {
  private constructor(
    private readonly rest: RestFace | undefined,
    private readonly api: ApiFace | undefined,
  ) {}

  /** Starts the faces asked for; if one cannot listen, the others are closed again. */
  static async start(core: BrokerCore, options: HttpFacesOptions): Promise<HttpFaces> {
    const ping = core.pingResult();
    const headers = { broker: ping.Host, poweredBy: `KubeMQ ${ping.Version}` };
    let rest: RestFace | undefined;
    try {
      if (options.restPort !== undefined) {
        rest = await RestFace.listen(core, headers, options.host, options.restPort);
      }
      const api =
        options.apiPort !== undefined
          ? await ApiFace.listen(core, options.host, options.apiPort)
          : undefined;
      return new HttpFaces(rest, api);
    } catch (error) {
      await rest?.close();
      throw error;
    }
  }

  get restPort(): number | undefined {
    return this.rest?.boundPort;
  }

  get apiPort(): number | undefined {
    return this.api?.boundPort;
  }

  async close(): Promise<void> {
    await Promise.all([this.rest?.close(), this.api?.close()]);
  }
}
