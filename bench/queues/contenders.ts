import { type QueueContenderModule } from './types';

/** The queue contenders, each loaded only in the child that runs it. */
export const QUEUE_CONTENDERS: ReadonlyArray<{
  name: string;
  label: string;
  load(): Promise<QueueContenderModule>;
}> = [
  {
    name: 'raw',
    label: 'raw @grpc/grpc-js (SendQueueMessage; StreamQueueMessage receive + ack)',
    load: async () => (await import('./raw')).rawQueues,
  },
  {
    name: 'ours',
    label: 'nestjs-kubemq: sendToQueue() in a Nest app; @EventPattern queue handler',
    load: async () => (await import('./ours')).oursQueues,
  },
  {
    name: 'kubemq-js',
    label: 'kubemq-js 1.2 SDK: send(); transaction() + ack()',
    load: async () => (await import('./kubemq-js')).kubemqJsQueues,
  },
];
