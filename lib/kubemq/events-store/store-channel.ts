import { sendChannelError } from '../channel-rules';

/**
 * Why KubeMQ's events store cannot use `channel` (with `group` for
 * subscriptions), or undefined. Besides KubeMQ's own checks (the texts of
 * Error 102/107/108/119), the store underneath (NATS Streaming) refuses
 * empty tokens and `/` — a subscription then fails with `stan: invalid
 * subject` and, worse, a publish still answers `Sent: true` and the event is
 * dropped — and, for a grouped subscription, a `:` in the channel or group.
 */
export function storeChannelError(channel: string, group = ''): string | undefined {
  const kubemq = sendChannelError(channel);
  if (kubemq) return kubemq;
  if (channel.split('.').some((token) => token === '')) {
    return 'the events store cannot use a channel with an empty token (a leading dot or "..")';
  }
  if (channel.includes('/')) return 'the events store cannot use a channel containing "/"';
  if (group !== '' && (channel.includes(':') || group.includes(':'))) {
    return 'a grouped events-store subscription cannot have ":" in its channel or group (KubeMQ names its durable queue group after them)';
  }
  return undefined;
}
