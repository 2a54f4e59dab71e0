import { KubeMQErrorText } from '../../kubemq/errors';

/**
 * The checks a queue name goes through. KubeMQ itself rejects empty names,
 * a trailing dot, spaces and wildcards (Error 120); below it, the streaming
 * layer refuses names that are not valid subjects (empty tokens, a leading
 * dot, `/`) when publishing, and also names with `:` when subscribing (its
 * durable names cannot contain one).
 */

/** Error 120 for a name KubeMQ refuses, else undefined. */
export function queueNameError(name: string): string | undefined {
  if (name === '' || name.endsWith('.') || name.includes(' ')) {
    return KubeMQErrorText.invalidQueueName;
  }
  if (name.includes('*') || name.includes('>')) return KubeMQErrorText.invalidQueueName;
  return undefined;
}

/** Control characters that split the streaming layer's protocol line. */
const LINE_BREAKING = /[\t\r\n]/;

function isValidSubject(name: string): boolean {
  if (name === '' || name.startsWith('.') || name.includes('..') || name.includes('/')) {
    return false;
  }
  return !LINE_BREAKING.test(name);
}

/**
 * Why publishing to `name` fails below KubeMQ's own checks, or undefined.
 * A tab or line break makes the real server wait 2 minutes for an ack that
 * never comes; the test broker answers with that outcome at once.
 */
export function publishError(name: string): string | undefined {
  if (LINE_BREAKING.test(name)) return KubeMQErrorText.stanPublishAckTimeout;
  return isValidSubject(name) ? undefined : KubeMQErrorText.stanInvalidPublish;
}

/** True when a consumer cannot subscribe to `name` (Error 121). */
export function cannotSubscribe(name: string): boolean {
  return !isValidSubject(name) || name.includes(':');
}
