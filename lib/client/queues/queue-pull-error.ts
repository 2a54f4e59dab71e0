import { KubeMQError } from '../../kubemq/kubemq-error';
import { type KubeMQQueueMessage } from './queue-types';

/**
 * `receiveFromQueue()` / `peekQueue()` got messages the client's
 * `deserializer` could not read. KubeMQ hands received messages out only
 * once, so none is lost here: `messages` holds every message of the pull,
 * in order, those that failed with their raw body (a Buffer) as `data`;
 * `failed` says which and why.
 */
export class KubeMQQueuePullError extends KubeMQError {
  constructor(
    readonly channel: string,
    readonly messages: KubeMQQueueMessage[],
    readonly failed: Array<{ index: number; messageId: string; error: string }>,
  ) {
    const list = failed.map((f) => `#${f.index} (${f.messageId}): ${f.error}`).join('; ');
    super(
      `Could not deserialize ${failed.length} of ${messages.length} message(s) pulled from the queue "${channel}" (all of them are in error.messages): ${list}`,
    );
    this.name = 'KubeMQQueuePullError';
  }
}
