import { hostname } from 'node:os';
import type {
  handleBidiStreamingCall,
  handleServerStreamingCall,
  handleUnaryCall,
  UntypedHandleCall,
} from '@grpc/grpc-js';
import {
  SubscribeType,
  type KubeMQEvent,
  type KubeMQEventReceive,
  type KubeMQRequest,
  type KubeMQResponse,
  type KubeMQResult,
  type KubeMQSubscribe,
  type PingResult,
} from '../kubemq/messages';
import type { KubeMQMethodName } from '../kubemq/proto';
import type { KubeMQBrokerStore } from './broker-store';
import { BROKER_STOPPED, internalError } from './broker-status';
import { EventRouter } from './event-router';
import { grpcEventSink } from './events-store/event-sink';
import { EventsStoreRouter } from './events-store/events-store-router';
import { endStream, OpenStreams } from './open-streams';
import { RequestRouter, requestTypeOf } from './request-router';
import { QueueGrpcHandlers } from './queues/queue-grpc-handlers';
import {
  eventError,
  eventSubscriptionError,
  requestError,
  requestSubscriptionError,
  responseError,
} from './validation';

/** What Ping reports about the broker. */
export interface BrokerIdentity {
  /** Ping's Version field. */
  version: string;
  /** When the broker started, in Unix milliseconds. */
  startedAtMs: number;
}

type Empty = Record<string, never>;
const EMPTY: Empty = {};

/** The host name as the real server reports it: dots become `_`, a leading digit gets `kubemq-`. */
function pingHost(): string {
  const host = hostname().replace(/\./g, '_');
  return /^[0-9]/.test(host) ? `kubemq-${host}` : host;
}

/**
 * The `kubemq.kubemq` gRPC service of KubeMQTestBroker: validates each call
 * in the real server's order and with its texts, and routes requests,
 * events, events-store events and queue messages.
 * Authorization metadata is accepted and ignored, as on KubeMQ Community.
 */
export class KubeMQGrpcService {
  /** Shared with the REST face, so REST and gRPC clients reach each other. */
  readonly requests = new RequestRouter();
  readonly events = new EventRouter();
  readonly eventsStore: EventsStoreRouter;
  private readonly streams = new OpenStreams();
  private readonly host = pingHost();
  private stopped = false;
  /** The queue RPCs, over the store's queues (shared with the REST face). */
  readonly queues: QueueGrpcHandlers;

  constructor(
    private readonly identity: BrokerIdentity,
    /** Kept across restarts; the events store and queues keep their state here. */
    readonly store: KubeMQBrokerStore,
  ) {
    this.eventsStore = new EventsStoreRouter(store.eventsStore);
    this.queues = new QueueGrpcHandlers(store.queues, this.streams, () => this.stopped);
  }

  /** True once shutdown() has begun. */
  get isStopped(): boolean {
    return this.stopped;
  }

  /**
   * Refuses new calls, fails waiting SendRequest calls and ends open streams
   * at once (UNAVAILABLE, "server is in shutdown mode").
   */
  shutdown(): void {
    this.stopped = true;
    this.requests.failAll(BROKER_STOPPED);
    this.streams.closeAll(BROKER_STOPPED);
    // After the streams: their messages in hand are back in the queues first.
    this.queues.shutdown();
  }

  /** The implementation to pass to `grpc.Server.addService`. */
  handlers(): Record<KubeMQMethodName, UntypedHandleCall> {
    return {
      ...this.queues.handlers(),
      Ping: this.ping,
      SendRequest: this.sendRequest,
      SendResponse: this.sendResponse,
      SubscribeToRequests: this.subscribeToRequests,
      SendEvent: this.sendEvent,
      SendEventsStream: this.sendEventsStream,
      SubscribeToEvents: this.subscribeToEvents,
    };
  }

  /** Ping's answer (also served by the REST face's `GET /ping`). */
  pingResult(): PingResult {
    const { startedAtMs, version } = this.identity;
    const startSeconds = Math.floor(startedAtMs / 1000);
    return {
      Host: this.host,
      Version: version,
      ServerStartTime: String(startSeconds),
      ServerUpTimeSeconds: String(Math.max(0, Math.floor(Date.now() / 1000) - startSeconds)),
    };
  }

  private readonly ping: handleUnaryCall<Empty, PingResult> = (_call, callback) => {
    callback(null, this.pingResult());
  };

  private readonly sendRequest: handleUnaryCall<KubeMQRequest, KubeMQResponse> = (
    call,
    callback,
  ) => {
    if (this.stopped) return callback(BROKER_STOPPED);
    const request = call.request;
    const problem = requestError(request);
    if (problem) return callback(internalError(problem));
    // The caller's cancellation or gRPC deadline ends the wait too.
    const abandon = this.requests.send(request, callback);
    if (call.cancelled) abandon();
    else call.once('cancelled', abandon);
  };

  private readonly sendResponse: handleUnaryCall<KubeMQResponse, Empty> = (call, callback) => {
    const response = call.request;
    const problem = responseError(response);
    if (problem) return callback(internalError(problem));
    // OK whether or not anyone still waits for it.
    this.requests.respond(response);
    callback(null, EMPTY);
  };

  private readonly subscribeToRequests: handleServerStreamingCall<KubeMQSubscribe, KubeMQRequest> =
    (call) => {
      if (this.stopped) return endStream(call, BROKER_STOPPED);
      const subscribe = call.request;
      const problem = requestSubscriptionError(subscribe);
      if (problem) return endStream(call, internalError(problem));
      const remove = this.requests.subscribe(requestTypeOf(subscribe.SubscribeTypeData), {
        pattern: subscribe.Channel,
        group: subscribe.Group,
        deliver: (request) => call.write(request),
      });
      this.streams.track(call, remove);
    };

  private readonly sendEvent: handleUnaryCall<KubeMQEvent, KubeMQResult> = (call, callback) => {
    if (this.stopped) return callback(BROKER_STOPPED);
    const event = call.request;
    const problem = eventError(event);
    if (problem) return callback(internalError(problem));
    if (event.Store) return callback(null, this.eventsStore.publish(event));
    const eventId = this.events.publish(event);
    callback(null, { EventID: eventId, Sent: true, Error: '' });
  };

  private readonly sendEventsStream: handleBidiStreamingCall<KubeMQEvent, KubeMQResult> = (
    call,
  ) => {
    if (this.stopped) return endStream(call, BROKER_STOPPED);
    const close = this.streams.track(call, () => undefined);
    call.on('data', (event: KubeMQEvent) => {
      // Errors are answered in-band and do not end the stream; a store event
      // is always answered, a successful plain event not at all.
      const problem = eventError(event);
      if (problem) {
        call.write({ EventID: event.EventID, Sent: false, Error: problem });
      } else if (event.Store) {
        call.write(this.eventsStore.publish(event));
      } else {
        this.events.publish(event);
      }
    });
    call.on('end', () => close({ code: 0, details: 'OK' }));
    call.on('error', () => undefined);
  };

  private readonly subscribeToEvents: handleServerStreamingCall<
    KubeMQSubscribe,
    KubeMQEventReceive
  > = (call) => {
    if (this.stopped) return endStream(call, BROKER_STOPPED);
    const subscribe = call.request;
    const problem = eventSubscriptionError(subscribe, this.eventsStore.isClientLive);
    if (problem) return endStream(call, internalError(problem));
    if (subscribe.SubscribeTypeData === SubscribeType.EventsStore) {
      const subscription = this.eventsStore.subscribe(subscribe, grpcEventSink(call));
      if ('error' in subscription) return endStream(call, internalError(subscription.error));
      this.streams.track(call, subscription.close);
      // A client gone before we got here fires no 'cancelled' later: free its ClientID now.
      if (call.cancelled) subscription.close();
      return;
    }
    const remove = this.events.subscribe({
      pattern: subscribe.Channel,
      group: subscribe.Group,
      deliver: (event) => call.write(event),
    });
    this.streams.track(call, remove);
  };
}
