import { KubeMQErrorText } from '../../kubemq/errors';
import { KubeMQError } from '../../kubemq/kubemq-error';
import { type Tags } from '../../kubemq/messages';
import { queueChannelError } from '../../kubemq/queues/queue-channel';
import {
  makeQueueMessage,
  makeQueuePolicy,
  type QueueMessage,
  type QueueMessagePolicy,
} from '../../kubemq/queues/queue-messages';
import { type KubeMQRecordOptions } from '../../record-builders/kubemq.record-builder';
import { type KubeMQQueuePolicy } from '../../record-builders/queue-policy';
import { buildTags, encodePayload, unpackRecord } from '../request-encoder';

const INT32_MAX = 2_147_483_647;
const POLICY_NUMBERS = ['expirationSeconds', 'delaySeconds', 'maxReceiveCount'] as const;

/** A queue message ready to send, and the timeout its record asked for. */
export interface EncodedQueueMessage {
  message: QueueMessage;
  timeout: number | undefined;
}

/**
 * Builds the KubeMQ QueueMessage for a payload (plain data or a
 * KubeMQRecord), with `defaults` under the record's own options. Throws a
 * KubeMQError naming the queue for what KubeMQ would refuse anyway (the
 * name, an empty message) and for what it could not even read (a policy
 * value that is not a whole number); the ranges of the policy are KubeMQ's
 * to check (its limits are configurable).
 */
export function encodeQueueMessage(
  channel: string,
  payload: unknown,
  clientId: string,
  defaults: Omit<KubeMQRecordOptions, 'type'> = {},
  packetMetadata?: Tags,
): EncodedQueueMessage {
  const unpacked = unpackRecord(payload);
  const options = { ...defaults, ...unpacked.options };
  const problem = queueChannelError(channel);
  if (problem) {
    throw new KubeMQError(`Cannot send a queue message to ${JSON.stringify(channel)}: ${problem}`);
  }
  const metadata = options.metadata ?? '';
  const { body, format } = encodePayload(unpacked.data, `queue message to "${channel}"`);
  if (body.length === 0 && metadata === '') {
    throw new KubeMQError(
      `Cannot send an empty queue message to "${channel}": ${KubeMQErrorText.emptyMessage}`,
    );
  }
  return {
    message: makeQueueMessage({
      ClientID: clientId,
      Channel: channel,
      Metadata: metadata,
      Body: body,
      Tags: buildTags(packetMetadata, options.tags, format),
      Policy: options.policy ? encodePolicy(channel, options.policy) : null,
    }),
    timeout: options.timeout,
  };
}

function encodePolicy(channel: string, policy: KubeMQQueuePolicy): QueueMessagePolicy {
  const invalid = (what: string) =>
    new KubeMQError(`Invalid queue policy for a message to "${channel}": ${what}`);
  if (typeof policy !== 'object' || policy === null) throw invalid('it must be an object');
  for (const name of POLICY_NUMBERS) {
    const value = policy[name];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || Math.abs(value) > INT32_MAX) {
      throw invalid(`${name} must be a whole number, got ${JSON.stringify(value)}`);
    }
  }
  const deadLetters = policy.maxReceiveQueue ?? '';
  if (typeof deadLetters !== 'string') {
    throw invalid(`maxReceiveQueue must be a queue name, got ${JSON.stringify(deadLetters)}`);
  }
  const problem = deadLetters === '' ? undefined : queueChannelError(deadLetters);
  if (problem) throw invalid(`maxReceiveQueue ${JSON.stringify(deadLetters)}: ${problem}`);
  return makeQueuePolicy({
    ExpirationSeconds: policy.expirationSeconds ?? 0,
    DelaySeconds: policy.delaySeconds ?? 0,
    MaxReceiveCount: policy.maxReceiveCount ?? 0,
    MaxReceiveQueue: deadLetters,
  });
}
