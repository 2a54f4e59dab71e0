import type { KubeMQTestBroker } from 'nestjs-kubemq/testing';
import type { SampleConfig } from './config';
import { HELLO_COMMAND, HELLO_QUERY } from './hello.controller';

/** Where everything listens, as the printed commands should reach it. */
export interface Endpoints {
  /** gRPC `host:port`. */
  grpc: string;
  /** REST `host:port` (curl and WebSocket). */
  rest: string;
  /** API `host:port` (`/health`). */
  api: string;
  /** The sample's own HTTP base URL. */
  http: string;
  /** True with KUBEMQ_ADDRESS (no embedded broker). */
  external: boolean;
}

/** `127.0.0.1:9090` → `localhost:9090`, as people type it. */
function friendly(address: string): string {
  return address.replace(/^(127\.0\.0\.1|0\.0\.0\.0|\[::1?\]):/, 'localhost:');
}

function hostOf(address: string): string {
  const colon = address.lastIndexOf(':');
  return colon > 0 ? address.slice(0, colon) : address;
}

export function endpoints(
  config: SampleConfig,
  broker: KubeMQTestBroker | undefined,
  httpPort: number,
): Endpoints {
  if (broker) {
    return {
      grpc: friendly(broker.address),
      rest: friendly(broker.restAddress ?? ''),
      api: friendly(broker.apiAddress ?? ''),
      http: `http://localhost:${httpPort}`,
      external: false,
    };
  }
  const address = config.kubemqAddress ?? '';
  // A real server's REST and API faces, on their default ports.
  return {
    grpc: address,
    rest: `${hostOf(address)}:9090`,
    api: `${hostOf(address)}:8080`,
    http: `http://localhost:${httpPort}`,
    external: true,
  };
}

export function whereItRuns(at: Endpoints): string {
  const broker = at.external
    ? [
        'KubeMQ server (KUBEMQ_ADDRESS):',
        `    gRPC  ${at.grpc}`,
        `    REST  http://${at.rest}   (if the server uses its default ports)`,
        `    API   http://${at.api}/health`,
      ].join('\n')
    : [
        'KubeMQ broker (in-process, KubeMQ-compatible; set KUBEMQ_ADDRESS to use a real one):',
        `    gRPC  ${at.grpc}`,
        `    REST  http://${at.rest}   (WebSocket ws://${at.rest}/subscribe/requests)`,
        `    API   http://${at.api}/health`,
      ].join('\n');
  return [
    'nestjs-kubemq sample',
    `  ${broker}`,
    `  Nest app: ${at.http}  (ServerKubeMQ answers "${HELLO_COMMAND}" and "${HELLO_QUERY}")`,
    '',
  ].join('\n');
}

/** The rest of the walkthrough, with this run's addresses filled in. */
export function nextSteps(at: Endpoints): string {
  const cliAddress = at.grpc === 'localhost:50000' ? '' : ` -a ${at.grpc}`;
  const request = JSON.stringify({
    RequestID: 'curl-1',
    RequestTypeData: 1,
    ClientID: 'curl',
    Channel: HELLO_COMMAND,
    Metadata: 'some-metadata',
    Body: Buffer.from('some command').toString('base64'),
    Timeout: 10000,
  });
  const lines = [
    '',
    'Try the walkthrough in another terminal:',
    `  curl http://${at.api}/health`,
    `  curl -X POST http://${at.rest}/send/request -H 'Content-Type: application/json' \\`,
    `    -d '${request}'`,
    `  npx nestjs-kubemq rpc send command ${HELLO_COMMAND} "some command"${cliAddress}`,
    `  npx nestjs-kubemq rpc send query ${HELLO_QUERY} "world"${cliAddress}`,
    `  npx nestjs-kubemq rpc rec command my-channel${cliAddress}`,
    `      and then: curl -X POST ${at.http}/commands/my-channel -H 'Content-Type: application/json' -d '{"hi":1}'`,
    `  curl -X POST ${at.http}/hello`,
    `  curl ${at.http}/hello/world`,
    '',
  ];
  return lines.join('\n');
}
