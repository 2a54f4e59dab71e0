import { KubeMQErrorText, type KubeMQErrorTextValue } from './errors';

/**
 * KubeMQ's channel checks, in the server's order (§3.2 of the protocol notes).
 * Only the ASCII space counts as white space; tabs and newlines pass, as on the server.
 */
export interface ChannelRuleOptions {
  /** Subscriptions to events, commands and queries accept `*` and `>`. */
  allowWildcards: boolean;
}

/** The KubeMQ error text for an invalid channel name, or `undefined` when it is valid. */
export function channelError(
  channel: string,
  { allowWildcards }: ChannelRuleOptions,
): KubeMQErrorTextValue | undefined {
  if (channel === '') return KubeMQErrorText.emptyChannel;
  if (channel.endsWith('.')) return KubeMQErrorText.channelEndsWithDot;
  if (channel.includes(' ')) return KubeMQErrorText.whitespaceChannel;
  if (!allowWildcards && (channel.includes('*') || channel.includes('>'))) {
    return KubeMQErrorText.wildcardChannel;
  }
  return undefined;
}

/** A channel a message is sent to: no wildcards. */
export function sendChannelError(channel: string): KubeMQErrorTextValue | undefined {
  return channelError(channel, { allowWildcards: false });
}

/** A channel subscribed to for events, commands or queries: wildcards allowed. */
export function subscribeChannelError(channel: string): KubeMQErrorTextValue | undefined {
  return channelError(channel, { allowWildcards: true });
}

/**
 * NATS subject matching, as KubeMQ applies it to events, commands and queries
 * subscriptions: `*` is exactly one token, `>` one or more trailing tokens,
 * and a wildcard counts only as a whole token.
 */
export function channelMatches(pattern: string, channel: string): boolean {
  if (pattern === channel) return true;
  if (!pattern.includes('*') && !pattern.includes('>')) return false;
  const p = pattern.split('.');
  const c = channel.split('.');
  for (let i = 0; i < p.length; i += 1) {
    const token = p[i];
    if (token === '>' && i === p.length - 1) return c.length > i;
    if (i >= c.length) return false;
    if (token === '*') {
      if (c[i] === '') return false;
      continue;
    }
    if (token !== c[i]) return false;
  }
  return p.length === c.length;
}

/** True when the pattern contains a whole-token wildcard. */
export function isWildcardPattern(pattern: string): boolean {
  return pattern.split('.').some((token) => token === '*' || token === '>');
}
