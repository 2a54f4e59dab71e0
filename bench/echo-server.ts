import {
  Server,
  ServerCredentials,
  type ServiceDefinition,
  type UntypedHandleCall,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { protoFile } from './paths';

/**
 * The gRPC floor of one round trip: a bare grpc-js server whose SendRequest
 * answers at once (a query gets its body back). Same proto-loader objects as
 * the raw contender; no routing, no second hop.
 */
export async function startEchoServer(): Promise<{ address: string; stop(): Promise<void> }> {
  const definition = loadSync(protoFile(), {
    keepCase: true,
    longs: String,
    enums: Number,
    defaults: true,
    oneofs: true,
  });
  const service = definition['kubemq.kubemq'] as unknown as ServiceDefinition;
  const server = new Server({
    'grpc.max_receive_message_length': 104_857_600,
    'grpc.max_send_message_length': 104_857_600,
  });
  const sendRequest: UntypedHandleCall = (
    call: { request: { RequestID: string; RequestTypeData: number; Body: Buffer } },
    callback: (error: null, value: object) => void,
  ) => {
    const request = call.request;
    callback(null, {
      ClientID: 'echo',
      RequestID: request.RequestID,
      Executed: true,
      Timestamp: String(Date.now()),
      Body: request.RequestTypeData === 2 ? request.Body : undefined,
    });
  };
  const ping: UntypedHandleCall = (
    _call: unknown,
    callback: (error: null, value: object) => void,
  ) => callback(null, { Host: 'echo', Version: 'echo' });
  server.addService(service, { SendRequest: sendRequest, Ping: ping });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return {
    address: `127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}
