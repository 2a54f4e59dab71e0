import { sendChannelError } from '../../kubemq/channel-rules';
import { KubeMQErrorText, type KubeMQErrorTextValue } from '../../kubemq/errors';
import { EventsStoreType, type KubeMQSubscribe } from '../../kubemq/messages';

/** ClientIDs STAN accepts (the real server opens a STAN connection named after the ClientID). */
const STAN_CLIENT_ID = /^[a-zA-Z0-9_-]+$/;

/** True for an int64 decimal string that is 0 or negative. */
function notPositive(value: string): boolean {
  return value === '' || value === '0' || value.startsWith('-');
}

/**
 * True when STAN cannot name the channel `_EVENTS_STORE_.<channel>`: an
 * empty token (a leading `.` or `..`) or a `/`. A send there is accepted and
 * dropped; a subscription fails with `stan: invalid subject`.
 */
export function isInvalidStanSubject(channel: string): boolean {
  return channel.startsWith('.') || channel.includes('..') || channel.includes('/');
}

/**
 * An EventsStore SubscribeToEvents (§5.3), checked in the real server's
 * order: the ClientID (empty, then STAN's character rule, then "already
 * registered" for a ClientID with a live events-store subscription, since
 * the STAN connection is opened before anything else is looked at), the
 * channel (no wildcards), the start type and value, and last what STAN
 * itself refuses at subscribe time.
 */
export function eventsStoreSubscriptionError(
  subscribe: KubeMQSubscribe,
  isClientLive: (clientId: string) => boolean,
): KubeMQErrorTextValue | undefined {
  const { ClientID, Channel, Group } = subscribe;
  if (ClientID === '') return KubeMQErrorText.emptyClientId;
  if (!STAN_CLIENT_ID.test(ClientID)) return KubeMQErrorText.invalidStanClientId;
  if (isClientLive(ClientID)) return KubeMQErrorText.stanClientIdRegistered;
  const channelProblem = sendChannelError(Channel);
  if (channelProblem) return channelProblem;
  const start = subscribe.EventsStoreTypeData;
  const value = subscribe.EventsStoreTypeValue;
  if (start === EventsStoreType.Undefined) return KubeMQErrorText.undefinedEventsStoreType;
  if (start === EventsStoreType.StartAtSequence && notPositive(value)) {
    return KubeMQErrorText.invalidStartAtSequence;
  }
  if (start === EventsStoreType.StartAtTime && notPositive(value)) {
    return KubeMQErrorText.invalidStartAtTime;
  }
  if (start === EventsStoreType.StartAtTimeDelta && notPositive(value)) {
    return KubeMQErrorText.invalidStartAtTimeDelta;
  }
  if (isInvalidStanSubject(Channel)) return KubeMQErrorText.stanInvalidSubject;
  // A queue group's durable name is "<channel>-<group>", and STAN forbids ':' in it.
  if (Group !== '' && `${Channel}-${Group}`.includes(':')) {
    return KubeMQErrorText.stanDurableQueueName;
  }
  return undefined;
}
