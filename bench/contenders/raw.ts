import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { protoFile } from '../paths';
import { bodyBytes, expectSize, type BenchEnv, type ContenderModule, type Kind } from './types';

/**
 * The floor: what a user writes with @grpc/grpc-js alone, no Nest. The
 * generated client from proto-loader (the options of grpc's own Node
 * examples), plain objects in and out, one callback per call.
 */

const MAX_BYTES = 104_857_600;
const TIMEOUT_MS = 10_000;

interface RawResponse {
  RequestID: string;
  Executed: boolean;
  Error: string;
  Body: Buffer;
}

interface RawRequest {
  RequestID: string;
  ReplyChannel: string;
  Body: Buffer;
}

type Callback<T> = (error: grpc.ServiceError | null, value?: T) => void;

/** The generated `kubemq.kubemq` client, as `loadPackageDefinition` builds it. */
interface KubeMQGeneratedClient extends grpc.Client {
  SendRequest(request: object, options: grpc.CallOptions, callback: Callback<RawResponse>): void;
  SendResponse(response: object, callback: Callback<object>): void;
  SubscribeToRequests(subscribe: object): grpc.ClientReadableStream<RawRequest>;
}

export function generatedClient(address: string): KubeMQGeneratedClient {
  const definition = loadSync(protoFile(), {
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    kubemq: { kubemq: new (...args: unknown[]) => KubeMQGeneratedClient };
  };
  return new loaded.kubemq.kubemq(address, grpc.credentials.createInsecure(), {
    'grpc.max_receive_message_length': MAX_BYTES,
    'grpc.max_send_message_length': MAX_BYTES,
  });
}

function waitForReady(client: grpc.Client): Promise<void> {
  return new Promise((resolve, reject) =>
    client.waitForReady(Date.now() + 10_000, (error) => (error ? reject(error) : resolve())),
  );
}

export const raw: ContenderModule = {
  async startSender(env: BenchEnv) {
    const client = generatedClient(env.address);
    await waitForReady(client);
    const send = (kind: Kind, body: Buffer, done: Callback<RawResponse>) =>
      client.SendRequest(
        {
          RequestTypeData: kind === 'query' ? 2 : 1,
          ClientID: env.clientId,
          Channel: env.channels[kind],
          Body: body,
          Timeout: TIMEOUT_MS,
        },
        { deadline: Date.now() + TIMEOUT_MS + 2_000 },
        done,
      );
    return {
      payload: bodyBytes,
      request(kind, payload, done) {
        send(kind, payload as Buffer, (error, response) => {
          if (error) done(error);
          else if (!response!.Executed) done(new Error(response!.Error || 'not executed'));
          else done();
        });
      },
      check: (kind, payload) =>
        new Promise<void>((resolve, reject) =>
          send(kind, payload as Buffer, (error, response) => {
            if (error) return reject(error);
            if (!response!.Executed) return reject(new Error(response!.Error || 'not executed'));
            try {
              expectSize(kind, (payload as Buffer).length, response!.Body.length);
              resolve();
            } catch (mismatch) {
              reject(mismatch as Error);
            }
          }),
        ),
      async close() {
        client.close();
      },
    };
  },

  async startResponder(env: BenchEnv) {
    const client = generatedClient(env.address);
    await waitForReady(client);
    const streams = (['command', 'query'] as const).map((kind) => {
      const stream = client.SubscribeToRequests({
        SubscribeTypeData: kind === 'query' ? 4 : 3,
        ClientID: env.clientId,
        Channel: env.channels[kind],
      });
      stream.on('data', (request: RawRequest) => {
        client.SendResponse(
          {
            ClientID: env.clientId,
            RequestID: request.RequestID,
            ReplyChannel: request.ReplyChannel,
            Executed: true,
            Timestamp: String(Date.now()),
            // A query answers with what it got (an echo); a command's answer has no body.
            Body: kind === 'query' ? request.Body : undefined,
          },
          () => undefined,
        );
      });
      stream.on('error', () => undefined);
      return stream;
    });
    return {
      async close() {
        for (const stream of streams) stream.cancel();
        client.close();
      },
    };
  },
};
