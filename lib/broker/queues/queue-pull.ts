import { KubeMQErrorText } from '../../kubemq/errors';
import type {
  AckAllQueueMessagesRequest,
  AckAllQueueMessagesResponse,
  ReceiveQueueMessagesRequest,
  ReceiveQueueMessagesResponse,
} from '../../kubemq/queues/queue-messages';
import { nuid } from '../nuid';
import { QueueCollector } from './queue-collector';
import type { QueueEngine } from './queue-engine';
import { QueueLimits } from './queue-limits';
import { cannotSubscribe, queueNameError } from './queue-names';

/** A pull or AckAll still waiting; abort() ends it without an answer, giving back what it holds. */
export interface PendingQueueCall {
  abort(): void;
}

/** Error 136, or the wait in ms (0 means the default second). */
export function waitMillis(seconds: number): number | string {
  if (seconds < 0 || seconds > QueueLimits.maxWaitSeconds) {
    return KubeMQErrorText.invalidWaitTimeout;
  }
  return (seconds === 0 ? QueueLimits.defaultWaitSeconds : seconds) * 1000;
}

function receiveResponse(
  request: ReceiveQueueMessagesRequest,
  fields: Partial<ReceiveQueueMessagesResponse>,
): ReceiveQueueMessagesResponse {
  return {
    RequestID: request.RequestID,
    Messages: [],
    MessagesReceived: 0,
    MessagesExpired: 0,
    IsPeak: request.IsPeak,
    IsError: false,
    Error: '',
    ...fields,
  };
}

/** The checks of a pull, in the server's order (§6.3). */
function receiveError(request: ReceiveQueueMessagesRequest): string | number {
  if (request.ClientID === '') return KubeMQErrorText.emptyClientId;
  const nameProblem = queueNameError(request.Channel);
  if (nameProblem) return nameProblem;
  const max = request.MaxNumberOfMessages;
  if (max < 1 || max > QueueLimits.maxNumberOfMessages) return KubeMQErrorText.invalidMaxMessages;
  const wait = waitMillis(request.WaitTimeSeconds);
  if (typeof wait === 'string') return wait;
  if (cannotSubscribe(request.Channel)) return KubeMQErrorText.queueSubscribeFailed;
  return wait;
}

/**
 * ReceiveQueueMessages (§6.3): collects up to MaxNumberOfMessages, waiting
 * the whole WaitTimeSeconds unless the batch fills. A pull consumes what it
 * returns; a peek (IsPeak) gives it all back in place, unchanged. Expired
 * messages met on the way are consumed and counted in MessagesExpired.
 */
export function receiveQueueMessages(
  engine: QueueEngine,
  request: ReceiveQueueMessagesRequest,
  reply: (response: ReceiveQueueMessagesResponse) => void,
): PendingQueueCall | undefined {
  if (request.RequestID === '') request.RequestID = nuid();
  const checked = receiveError(request);
  if (typeof checked === 'string') {
    reply(receiveResponse(request, { IsError: true, Error: checked }));
    return undefined;
  }
  const collector = new QueueCollector(
    engine,
    request.Channel,
    request.MaxNumberOfMessages,
    checked,
    (deliveries, expired) => {
      for (const delivery of deliveries) {
        if (request.IsPeak) engine.release(delivery);
        else engine.ack(delivery);
      }
      const messages = deliveries.map((delivery) => delivery.message);
      reply(
        receiveResponse(request, {
          Messages: messages,
          MessagesReceived: messages.length,
          MessagesExpired: expired,
        }),
      );
    },
  );
  return { abort: () => collector.cancel().forEach((delivery) => engine.release(delivery)) };
}

function ackAllResponse(
  request: AckAllQueueMessagesRequest,
  fields: Partial<AckAllQueueMessagesResponse>,
): AckAllQueueMessagesResponse {
  return {
    RequestID: request.RequestID,
    AffectedMessages: '0',
    IsError: false,
    Error: '',
    ...fields,
  };
}

/**
 * AckAllQueueMessages (§6.4): consumes every message that arrives within
 * WaitTimeSeconds and always waits that long; AffectedMessages counts
 * expired ones too. Delayed messages not yet due are left alone.
 */
export function ackAllQueueMessages(
  engine: QueueEngine,
  request: AckAllQueueMessagesRequest,
  reply: (response: AckAllQueueMessagesResponse) => void,
): PendingQueueCall | undefined {
  if (request.RequestID === '') request.RequestID = nuid();
  let problem: string | undefined;
  const wait = waitMillis(request.WaitTimeSeconds);
  if (request.ClientID === '') problem = KubeMQErrorText.emptyClientId;
  else problem = queueNameError(request.Channel);
  if (!problem && typeof wait === 'string') problem = wait;
  if (!problem && cannotSubscribe(request.Channel)) problem = KubeMQErrorText.queueSubscribeFailed;
  if (problem || typeof wait === 'string') {
    reply(ackAllResponse(request, { IsError: true, Error: problem ?? '' }));
    return undefined;
  }
  const collector = new QueueCollector(
    engine,
    request.Channel,
    Number.POSITIVE_INFINITY,
    wait,
    (deliveries, expired) =>
      reply(ackAllResponse(request, { AffectedMessages: String(deliveries.length + expired) })),
    (delivery) => engine.ack(delivery),
  );
  return { abort: () => void collector.cancel() };
}
