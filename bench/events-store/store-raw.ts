import type * as grpc from '@grpc/grpc-js';
import { generatedClient } from '../contenders/raw';
import { countdown, ReplayMeter, type StoreContenderModule } from './types';

interface RawResult {
  EventID: string;
  Sent: boolean;
  Error: string;
}

type Callback<T> = (error: grpc.ServiceError | null, value?: T) => void;

interface StoreClient extends grpc.Client {
  SendEvent(event: object, callback: Callback<RawResult>): void;
  SendEventsStream(): grpc.ClientDuplexStream<object, RawResult>;
  SubscribeToEvents(subscribe: object): grpc.ClientReadableStream<unknown>;
}

/**
 * The floor: the generated @grpc/grpc-js client, no Nest: SendEvent per
 * event; one SendEventsStream whose Results settle the writes in order;
 * a SubscribeToEvents stream counting events.
 */
export const rawStore: StoreContenderModule = {
  async start(env) {
    const client = generatedClient(env.address) as unknown as StoreClient;
    await new Promise<void>((resolve, reject) =>
      client.waitForReady(Date.now() + 10_000, (e) => (e ? reject(e) : resolve())),
    );
    const event = (channel: string, body: Buffer) => ({
      ClientID: env.clientId,
      Channel: channel,
      Body: body,
      Store: true,
    });
    let stream: grpc.ClientDuplexStream<object, RawResult> | undefined;
    const waiting: Array<(error?: unknown) => void> = [];
    const openStream = () => {
      if (stream) return stream;
      const opened = client.SendEventsStream();
      opened.on('data', (result: RawResult) => {
        waiting.shift()?.(result.Sent ? undefined : new Error(result.Error));
      });
      opened.on('error', (error) => {
        stream = undefined;
        for (const settle of waiting.splice(0)) settle(error);
      });
      return (stream = opened);
    };
    return {
      storeOne(channel, body, done) {
        client.SendEvent(event(channel, body), (error, result) =>
          done(error ?? (result!.Sent ? undefined : new Error(result!.Error))),
        );
      },
      storeMany(channel, body, count, done) {
        const target = openStream();
        const settle = countdown(count, done);
        for (let i = 0; i < count; i += 1) {
          waiting.push(settle);
          target.write(event(channel, body));
        }
      },
      replay: (channel, count) =>
        new Promise((resolve, reject) => {
          const meter = new ReplayMeter(count);
          const subscription = client.SubscribeToEvents({
            SubscribeTypeData: 2,
            ClientID: `${env.clientId}-${Date.now()}`,
            Channel: channel,
            EventsStoreTypeData: 2,
          });
          subscription.on('data', () => {
            if (meter.event()) subscription.cancel();
          });
          subscription.on('error', (error: grpc.ServiceError) => {
            if (error.code !== 1) reject(error);
          });
          void meter.done.then(resolve);
        }),
      async close() {
        stream?.end();
        client.close();
      },
    };
  },
};
