import { KubeMQErrorText } from '../errors';

/**
 * KubeMQ's check of a queue name (send, receive, dead-letter queue): empty,
 * ending with a dot, containing a space, or containing `*` or `>` anywhere
 * is refused with Error 120. Queues have no wildcards.
 */
export function queueChannelError(
  channel: string,
): typeof KubeMQErrorText.invalidQueueName | undefined {
  if (
    typeof channel !== 'string' ||
    channel === '' ||
    channel.endsWith('.') ||
    channel.includes(' ') ||
    channel.includes('*') ||
    channel.includes('>')
  ) {
    return KubeMQErrorText.invalidQueueName;
  }
  return undefined;
}
