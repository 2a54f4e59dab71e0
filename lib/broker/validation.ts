import { sendChannelError, subscribeChannelError } from '../kubemq/channel-rules';
import { KubeMQErrorText, type KubeMQErrorTextValue } from '../kubemq/errors';
import {
  EventsStoreType,
  RequestType,
  SubscribeType,
  type KubeMQEvent,
  type KubeMQRequest,
  type KubeMQResponse,
  type KubeMQSubscribe,
} from '../kubemq/messages';
import { eventsStoreSubscriptionError } from './events-store/subscribe-checks';

/**
 * The server's checks for each incoming message, in the server's order: each
 * function returns the first failing check's exact error text, or
 * `undefined` when the message is valid.
 */

/** SendRequest (§4.1): the request type first, then the fields. */
export function requestError(request: KubeMQRequest): KubeMQErrorTextValue | undefined {
  const type = request.RequestTypeData;
  if (type !== RequestType.Command && type !== RequestType.Query) {
    return KubeMQErrorText.invalidRequestType;
  }
  if (request.ClientID === '') return KubeMQErrorText.emptyClientId;
  const channelProblem = sendChannelError(request.Channel);
  if (channelProblem) return channelProblem;
  if (request.Timeout <= 0) return KubeMQErrorText.invalidTimeout;
  if (request.Metadata === '' && request.Body.length === 0) return KubeMQErrorText.emptyRequest;
  if (request.CacheKey !== '' && request.CacheTTL <= 0) return KubeMQErrorText.invalidCacheTtl;
  return undefined;
}

/** SendResponse (§4.3): ReplyChannel is checked like a send channel. */
export function responseError(response: KubeMQResponse): KubeMQErrorTextValue | undefined {
  if (response.ClientID === '') return KubeMQErrorText.emptyClientId;
  const channelProblem = sendChannelError(response.ReplyChannel);
  if (channelProblem) return channelProblem;
  if (response.RequestID === '') return KubeMQErrorText.emptyRequestId;
  return undefined;
}

/** SubscribeToRequests (§4.6): wildcards allowed; Group and events-store fields unchecked. */
export function requestSubscriptionError(
  subscribe: KubeMQSubscribe,
): KubeMQErrorTextValue | undefined {
  const type = subscribe.SubscribeTypeData;
  if (type !== SubscribeType.Commands && type !== SubscribeType.Queries) {
    return KubeMQErrorText.invalidSubscribeType;
  }
  if (subscribe.ClientID === '') return KubeMQErrorText.emptyClientId;
  return subscribeChannelError(subscribe.Channel);
}

/** SendEvent / SendEventsStream (§5.1): the same checks for events and events store. */
export function eventError(event: KubeMQEvent): KubeMQErrorTextValue | undefined {
  if (event.ClientID === '') return KubeMQErrorText.emptyClientId;
  const channelProblem = sendChannelError(event.Channel);
  if (channelProblem) return channelProblem;
  if (event.Metadata === '' && event.Body.length === 0) return KubeMQErrorText.emptyMessage;
  return undefined;
}

/**
 * SubscribeToEvents (§5.3), for both Events and EventsStore subscriptions.
 * `isClientLive` says which ClientIDs hold a live events-store subscription.
 */
export function eventSubscriptionError(
  subscribe: KubeMQSubscribe,
  isClientLive: (clientId: string) => boolean = () => false,
): KubeMQErrorTextValue | undefined {
  const type = subscribe.SubscribeTypeData;
  if (type === SubscribeType.Events) {
    if (subscribe.ClientID === '') return KubeMQErrorText.emptyClientId;
    const channelProblem = subscribeChannelError(subscribe.Channel);
    if (channelProblem) return channelProblem;
    if (subscribe.EventsStoreTypeData !== EventsStoreType.Undefined) {
      return KubeMQErrorText.eventsStoreParamsOnEvents;
    }
    return undefined;
  }
  if (type !== SubscribeType.EventsStore) return KubeMQErrorText.invalidSubscribeType;
  return eventsStoreSubscriptionError(subscribe, isClientLive);
}
