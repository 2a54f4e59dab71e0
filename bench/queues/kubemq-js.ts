import { QueuesClient } from 'kubemq-js';
import { type QueueContenderModule } from './types';

/**
 * The official SDK (kubemq-js 1.2.x) as its README shows: `send()` per
 * message, and `transaction()` (StreamQueueMessage) per received message,
 * acked in the callback; each lane starts its next transaction when the
 * previous one has ended.
 */
export const kubemqJsQueues: QueueContenderModule = {
  async start(env) {
    const queues = new QueuesClient({ address: env.address, clientId: env.clientId });
    return {
      sender: {
        send(channel, body, done) {
          queues
            .send({ channel, body, metadata: '' })
            .then((result) => done(result.isError ? new Error(result.error) : undefined), done);
        },
      },
      consumer: {
        async consume(channel, concurrency, onHandled) {
          let stopped = false;
          const lane = async () => {
            while (!stopped) {
              await queues
                .transaction(
                  { channel, visibilitySeconds: 60, waitTimeoutSeconds: 5 },
                  (error, msg) => {
                    if (error || !msg) return;
                    void msg.ack().then(onHandled, () => undefined);
                  },
                )
                .catch(() => undefined);
            }
          };
          const lanes = Array.from({ length: concurrency }, lane);
          return {
            async stop() {
              stopped = true;
              // A lane waiting on an empty queue ends within its wait (5 s); do not hold the bench for it.
              void Promise.all(lanes);
            },
          };
        },
      },
      async close() {
        queues.close();
      },
    };
  },
};
