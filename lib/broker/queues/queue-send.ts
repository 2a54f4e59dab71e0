import { KubeMQErrorText } from '../../kubemq/errors';
import {
  makeQueueAttributes,
  makeQueuePolicy,
  type QueueMessage,
  type QueueMessagePolicy,
  type SendQueueMessageResult,
} from '../../kubemq/queues/queue-messages';
import { nuid } from '../nuid';
import type { StoredMessage } from './channel-queue';
import { nanosAfter, nowNanos } from './queue-clock';
import { QueueLimits } from './queue-limits';
import { queueNameError } from './queue-names';

/** What publishing a prepared message needs: the engine's publish. */
export interface QueuePublisher {
  /** Stores (or parks, when delayed) a prepared message; returns the publish failure, if any. */
  publish(message: StoredMessage): string | undefined;
}

/** The outcome of sending one message. */
export interface SendOutcome {
  result: SendQueueMessageResult;
  /** True only when the publish itself failed (what sets a batch's HaveErrors). */
  publishFailed: boolean;
}

/** A SendQueueMessageResult with proto defaults, then `fields`. */
export function makeSendResult(fields: Partial<SendQueueMessageResult>): SendQueueMessageResult {
  return {
    MessageID: '',
    SentAt: '0',
    ExpirationAt: '0',
    DelayedTo: '0',
    IsError: false,
    Error: '',
    RefChannel: '',
    RefTopic: '',
    RefPartition: 0,
    RefHash: '',
    ...fields,
  };
}

/** The first policy problem, in the server's order (133, 134, 135, then MaxReceiveQueue's 120). */
function policyError(policy: QueueMessagePolicy): string | undefined {
  const { ExpirationSeconds, MaxReceiveCount, DelaySeconds, MaxReceiveQueue } = policy;
  if (ExpirationSeconds < 0 || ExpirationSeconds > QueueLimits.maxExpirationSeconds) {
    return KubeMQErrorText.invalidExpiration;
  }
  if (MaxReceiveCount < 0 || MaxReceiveCount > QueueLimits.maxReceiveCount) {
    return KubeMQErrorText.invalidMaxReceiveCount;
  }
  if (DelaySeconds < 0 || DelaySeconds > QueueLimits.maxDelaySeconds) {
    return KubeMQErrorText.invalidDelay;
  }
  if (MaxReceiveQueue !== '') return queueNameError(MaxReceiveQueue);
  return undefined;
}

/** The first problem with a queue message, in the server's order (§6.1), or undefined. */
export function queueMessageError(message: QueueMessage): string | undefined {
  if (message.ClientID === '') return KubeMQErrorText.emptyClientId;
  const nameProblem = queueNameError(message.Channel);
  if (nameProblem) return nameProblem;
  if (message.Metadata === '' && message.Body.length === 0) return KubeMQErrorText.emptyMessage;
  return policyError(message.Policy ?? makeQueuePolicy());
}

/**
 * Steps 1-6 of the server's send path: a MessageID when there is none
 * (before validation, so a refused message still has one), fresh all-zero
 * Attributes (what the client sent is ignored), a Policy, the expiry and
 * delay times, validation, and MaxReceiveCount 0 stored as the maximum.
 */
export function prepareQueueMessage(
  input: QueueMessage,
): StoredMessage | { error: string; messageId: string } {
  const message: StoredMessage = {
    ...input,
    MessageID: input.MessageID === '' ? nuid() : input.MessageID,
    Attributes: makeQueueAttributes(),
    Policy: { ...(input.Policy ?? makeQueuePolicy()) },
  };
  const problem = queueMessageError(message);
  if (problem) return { error: problem, messageId: message.MessageID };
  const policy = message.Policy;
  if (policy.MaxReceiveCount === 0) policy.MaxReceiveCount = QueueLimits.maxReceiveCount;
  const now = nowNanos();
  if (policy.ExpirationSeconds > 0) {
    const lifetime = policy.ExpirationSeconds + policy.DelaySeconds;
    message.Attributes.ExpirationAt = String(nanosAfter(now, lifetime));
  }
  if (policy.DelaySeconds > 0) {
    message.Attributes.DelayedTo = String(nanosAfter(now, policy.DelaySeconds));
  }
  return message;
}

/** The whole send path of one message, with its result as the server reports it. */
export function sendQueueMessage(publisher: QueuePublisher, input: QueueMessage): SendOutcome {
  const prepared = prepareQueueMessage(input);
  if ('error' in prepared) {
    const { messageId, error } = prepared;
    return {
      result: makeSendResult({ MessageID: messageId, IsError: true, Error: error }),
      publishFailed: false,
    };
  }
  const failure = publisher.publish(prepared);
  const { MessageID, Attributes } = prepared;
  if (failure) {
    return {
      result: makeSendResult({ MessageID, IsError: true, Error: failure }),
      publishFailed: true,
    };
  }
  return {
    result: makeSendResult({
      MessageID,
      SentAt: String(nowNanos()),
      ExpirationAt: Attributes.ExpirationAt,
      DelayedTo: Attributes.DelayedTo,
    }),
    publishFailed: false,
  };
}
