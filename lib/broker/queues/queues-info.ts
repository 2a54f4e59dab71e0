import type {
  QueueInfo,
  QueuesInfoRequest,
  QueuesInfoResponse,
} from '../../kubemq/queues/queue-messages';
import type { ChannelQueue } from './channel-queue';
import type { QueueStore } from './queue-store';

function queueInfo(queue: ChannelQueue): QueueInfo {
  const stats = queue.stats();
  return {
    Name: queue.name,
    Messages: String(stats.messages),
    Bytes: String(stats.bytes),
    FirstSequence: String(stats.firstSequence),
    LastSequence: String(stats.lastSequence),
    Sent: String(stats.sent),
    Delivered: String(stats.delivered),
    Waiting: String(stats.waiting),
    Subscribers: String(stats.subscribers),
  };
}

/**
 * QueuesInfo (§6.7): the named queues (`;`-separated exact names, only
 * those that exist) or, with no name, every queue, sorted by name, with
 * totals. Messages, sequences, Sent and Waiting follow the store; Bytes is
 * an estimate and Delivered counts messages delivered at least once, where
 * the real server reports its streaming layer's own figures.
 */
export function queuesInfo(store: QueueStore, request: QueuesInfoRequest): QueuesInfoResponse {
  const names = request.QueueName === '' ? undefined : new Set(request.QueueName.split(';'));
  const queues = names ? store.all().filter((queue) => names.has(queue.name)) : store.all();
  const infos = queues.map(queueInfo);
  const total = (field: 'Sent' | 'Delivered' | 'Waiting'): string =>
    String(infos.reduce((sum, info) => sum + Number(info[field]), 0));
  return {
    RefRequestID: request.RequestID,
    Info: {
      TotalQueue: infos.length,
      Sent: total('Sent'),
      Delivered: total('Delivered'),
      Waiting: total('Waiting'),
      Queues: infos,
    },
  };
}
