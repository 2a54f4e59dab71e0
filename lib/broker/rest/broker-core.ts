import type { PingResult } from '../../kubemq/messages';
import type { EventRouter } from '../event-router';
import type { EventsStoreRouter } from '../events-store/events-store-router';
import type { QueueGrpcHandlers } from '../queues/queue-grpc-handlers';
import type { RequestRouter } from '../request-router';

/**
 * What the REST and API faces share with the gRPC service: the same
 * routers (so a request sent over REST reaches a gRPC subscriber and the
 * other way round), the same Ping answer, and whether the broker is stopping.
 */
export interface BrokerCore {
  readonly requests: RequestRouter;
  readonly events: EventRouter;
  readonly eventsStore: EventsStoreRouter;
  /** The queues: their engine, and pending calls and streams the broker's stop ends. */
  readonly queues: QueueGrpcHandlers;
  /** True once stop() has begun. */
  readonly isStopped: boolean;
  /** Ping's answer right now. */
  pingResult(): PingResult;
}
