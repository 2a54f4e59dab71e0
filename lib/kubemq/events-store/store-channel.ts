import { sendChannelError } from '../channel-rules';

/**
 * Why KubeMQ's events store cannot use `channel` (with `group` for
 * subscriptions), or undefined. Besides KubeMQ's own checks (the texts of
 * Error 102/107/108/119), the store underneath (NATS Streaming) refuses
 * empty tokens and `/` — a subscription then fails with `stan: invalid
 * subject` and, worse, a publish still answers `Sent: true` and the event is
 * dropped — white space or control characters (a tab breaks the server's
 * store connection), and, for a grouped subscription, a `:` in the channel or group.
 */
export function storeChannelError(channel: string, group = ''): string | undefined {
  const kubemq = sendChannelError(channel);
  if (kubemq) return kubemq;
  if (channel.split('.').some((token) => token === '')) {
    return 'the events store cannot use a channel with an empty token (a leading dot or "..")';
  }
  if (channel.includes('/')) return 'the events store cannot use a channel containing "/"';
  // KubeMQ refuses only the ASCII space; a tab or line break gets through and breaks the
  // server's connection to its store until it restarts (observed on v2.4.0).
  if (hasControlCharacter(channel)) {
    return 'the events store cannot use a channel containing a tab, a line break or another control character';
  }
  if (group !== '' && (channel.includes(':') || group.includes(':'))) {
    return 'a grouped events-store subscription cannot have ":" in its channel or group (KubeMQ names its durable queue group after them)';
  }
  return undefined;
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}
