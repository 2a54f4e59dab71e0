import {
  RequestType,
  SubscribeType,
  type KubeMQRequest,
  type KubeMQResponse,
  type RequestTypeValue,
} from '../kubemq/messages';
import { REQUEST_TIMEOUT, type CallStatus } from './broker-status';
import { nuid } from './nuid';
import { ReplyInbox } from './reply-inbox';
import { SubscriptionRegistry, type Subscriber } from './subscription-registry';

/** How a request ends for its sender: a failure status, or the adjusted response. */
export type RequestOutcome = (failure: CallStatus | null, response?: KubeMQResponse) => void;

/** A request waiting for its first response. */
interface PendingRequest {
  readonly type: RequestTypeValue;
  readonly timer: NodeJS.Timeout;
  readonly done: RequestOutcome;
}

const EMPTY_BODY = new Uint8Array(0);

/**
 * Routes commands and queries (§4): each kind has its own subscription
 * namespace; a request goes to every ungrouped matching subscriber plus one
 * random member per group, carrying a fresh ReplyChannel; the first
 * SendResponse on that ReplyChannel answers the sender. With no subscriber,
 * or no answer in time, the sender fails only when its Timeout has run out.
 */
export class RequestRouter {
  private readonly commands = new SubscriptionRegistry<KubeMQRequest>();
  private readonly queries = new SubscriptionRegistry<KubeMQRequest>();
  /** Keyed by ReplyChannel only: RequestID plays no part in routing. */
  private readonly pending = new Map<string, PendingRequest>();
  private readonly inbox = new ReplyInbox();

  /** Number of requests waiting for a response. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Adds a subscriber for commands or queries; returns its removal. */
  subscribe(type: RequestTypeValue, subscriber: Subscriber<KubeMQRequest>): () => void {
    return this.registry(type).add(subscriber);
  }

  /**
   * Sends a validated request: assigns a RequestID when empty, overwrites
   * ReplyChannel, delivers it and waits up to `request.Timeout` ms.
   * `done` is called exactly once unless the returned `abandon` runs first
   * (the caller went away).
   */
  send(request: KubeMQRequest, done: RequestOutcome): () => void {
    if (request.RequestID === '') request.RequestID = nuid();
    const replyChannel = this.inbox.next();
    request.ReplyChannel = replyChannel;
    const timer = setTimeout(() => {
      if (this.pending.delete(replyChannel)) done(REQUEST_TIMEOUT);
    }, request.Timeout);
    this.pending.set(replyChannel, {
      type: request.RequestTypeData as RequestTypeValue,
      timer,
      done,
    });
    this.registry(request.RequestTypeData as RequestTypeValue).dispatch(request.Channel, request);
    return () => this.abandon(replyChannel);
  }

  /**
   * Hands a validated response to the request waiting on its ReplyChannel.
   * Returns false when nobody waits (late, duplicate or unknown): the
   * response is then dropped, as on the real server.
   */
  respond(response: KubeMQResponse): boolean {
    const waiting = this.pending.get(response.ReplyChannel);
    if (!waiting) return false;
    this.pending.delete(response.ReplyChannel);
    clearTimeout(waiting.timer);
    response.ReplyChannel = '';
    if (waiting.type === RequestType.Command) {
      // A command answer carries no payload back to the sender.
      response.Metadata = '';
      response.Body = EMPTY_BODY;
      response.CacheHit = false;
    }
    waiting.done(null, response);
    return true;
  }

  /** Ends every waiting request at once with `failure` (used when the broker stops). */
  failAll(failure: CallStatus): void {
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const request of waiting) {
      clearTimeout(request.timer);
      request.done(failure);
    }
  }

  private abandon(replyChannel: string): void {
    const waiting = this.pending.get(replyChannel);
    if (!waiting) return;
    this.pending.delete(replyChannel);
    clearTimeout(waiting.timer);
  }

  private registry(type: RequestTypeValue): SubscriptionRegistry<KubeMQRequest> {
    return type === RequestType.Query ? this.queries : this.commands;
  }
}

/** The requests a commands or queries subscription (SubscribeTypeData 3 or 4) receives. */
export function requestTypeOf(subscribeType: number): RequestTypeValue {
  return subscribeType === SubscribeType.Commands ? RequestType.Command : RequestType.Query;
}
