import type * as grpc from '@grpc/grpc-js';
import { generatedClient } from '../contenders/raw';
import { type QueueContenderModule } from './types';

/**
 * The floor: @grpc/grpc-js and the generated client alone. Sends with
 * SendQueueMessage; consumes with StreamQueueMessage the way our consumer
 * does (one stream per message; the next receive as soon as the ack is
 * answered, or, with one lane, once the stream has ended), minus everything Nest.
 */

interface StreamResponse {
  RequestID: string;
  Message: { Attributes: { Sequence: string } } | null;
  IsError: boolean;
  Error: string;
}

interface QueueGeneratedClient extends grpc.Client {
  SendQueueMessage(
    message: object,
    options: grpc.CallOptions,
    callback: (
      error: grpc.ServiceError | null,
      result?: { IsError: boolean; Error: string },
    ) => void,
  ): void;
  StreamQueueMessage(): grpc.ClientDuplexStream<object, StreamResponse>;
}

export const rawQueues: QueueContenderModule = {
  async start(env) {
    const client = generatedClient(env.address) as unknown as QueueGeneratedClient;
    return {
      sender: {
        send(channel, body, done) {
          client.SendQueueMessage(
            { ClientID: env.clientId, Channel: channel, Body: body },
            { deadline: Date.now() + 10_000 },
            (error, result) =>
              done(error ?? (result?.IsError ? new Error(result.Error) : undefined)),
          );
        },
      },
      consumer: {
        async consume(channel, concurrency, onHandled) {
          let stopped = false;
          // As ours: one lane waits for each transaction's end, which keeps the queue's order.
          const ordered = concurrency === 1;
          const open = new Set<grpc.ClientDuplexStream<object, StreamResponse>>();
          const lane = (): void => {
            if (stopped) return;
            const stream = client.StreamQueueMessage();
            open.add(stream);
            let next = false;
            const again = () => {
              if (next) return;
              next = true;
              lane();
            };
            stream.on('data', (response: StreamResponse) => {
              if (response.Message) {
                stream.write({
                  RequestID: '2',
                  ClientID: env.clientId,
                  StreamRequestTypeData: 'AckMessage',
                  RefSequence: response.Message.Attributes.Sequence,
                });
                onHandled();
              } else if (!ordered) again();
            });
            stream.on('error', () => undefined);
            stream.on('status', () => {
              open.delete(stream);
              again();
            });
            stream.write({
              RequestID: '1',
              ClientID: env.clientId,
              StreamRequestTypeData: 'ReceiveMessage',
              Channel: channel,
              VisibilitySeconds: 60,
              WaitTimeSeconds: 5,
            });
          };
          for (let i = 0; i < concurrency; i += 1) lane();
          return {
            async stop() {
              stopped = true;
              for (const stream of open) stream.cancel();
            },
          };
        },
      },
      async close() {
        client.close();
      },
    };
  },
};
