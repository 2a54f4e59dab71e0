import { KubeMQError } from '../../kubemq/kubemq-error';
import { type KubeMQQueueSendResult } from './queue-types';

/** One message of a batch that KubeMQ refused. */
export interface KubeMQQueueRefusal {
  /** Its position in the batch. */
  index: number;
  /** Its id (KubeMQ assigns one even to a refused message). */
  messageId: string;
  /** KubeMQ's reason, e.g. `Error 110: invalid message, cannot be empty`. */
  error: string;
}

/**
 * `sendQueueBatch()` failed for some messages. KubeMQ accepts or refuses
 * each message of a batch on its own: `results[i]` is set for every message
 * it accepted (those will be delivered), `refused` lists the others.
 */
export class KubeMQQueueBatchError extends KubeMQError {
  constructor(
    readonly channel: string,
    readonly results: Array<KubeMQQueueSendResult | undefined>,
    readonly refused: KubeMQQueueRefusal[],
  ) {
    const list = refused.map((r) => `#${r.index}: ${r.error}`).join('; ');
    super(
      `KubeMQ refused ${refused.length} of ${results.length} queue message(s) to "${channel}" (the others were sent): ${list}`,
    );
    this.name = 'KubeMQQueueBatchError';
  }
}
