import { EventsStoreClient, EventStoreType, type EventsStoreStreamResponse } from 'kubemq-js';
import { countdown, ReplayMeter, type StoreContenderModule } from './types';

/**
 * The official SDK (kubemq-js 1.2.x) as its README shows it: `send()` per
 * event, `stream()` with one callback for every Result, `subscribe()` with
 * a callback per event.
 */
export const kubemqJsStore: StoreContenderModule = {
  async start(env) {
    const client = new EventsStoreClient({
      address: env.address,
      clientId: env.clientId,
      reconnectInterval: 0,
    });
    await client.ping();
    const waiting: Array<(error?: unknown) => void> = [];
    let stream: EventsStoreStreamResponse | undefined;
    const openStream = async () => {
      // The SDK also calls back after each write, with no result: only Results settle.
      stream ??= await client.stream((error, result) => {
        if (result) waiting.shift()?.(result.sent ? undefined : new Error(result.error));
        else if (error) for (const settle of waiting.splice(0)) settle(error);
      });
      return stream;
    };
    return {
      storeOne(channel, body, done) {
        client
          .send({ channel, body, metadata: '' })
          .then((result) => done(result.sent ? undefined : new Error(result.error)), done);
      },
      storeMany(channel, body, count, done) {
        openStream().then((target) => {
          const settle = countdown(count, done);
          for (let i = 0; i < count; i += 1) {
            waiting.push(settle);
            target.write({ channel, body, metadata: '' });
          }
        }, done);
      },
      replay: (channel, count) =>
        new Promise((resolve, reject) => {
          const meter = new ReplayMeter(count);
          void meter.done.then(resolve);
          let unsubscribe = () => undefined as void;
          client
            .subscribe(
              {
                channel,
                clientId: `${env.clientId}-${Date.now()}`,
                requestType: EventStoreType.StartFromFirst,
              },
              (error) => {
                if (!error && meter.event()) unsubscribe();
              },
            )
            .then((subscription) => (unsubscribe = () => subscription.unsubscribe()), reject);
        }),
      async close() {
        stream?.end();
        client.close();
      },
    };
  },
};
