import { KubeMQErrorText } from '../../kubemq/errors';
import {
  StreamRequestType,
  type QueueMessage,
  type StreamQueueMessagesRequest,
  type StreamQueueMessagesResponse,
} from '../../kubemq/queues/queue-messages';
import { nuid } from '../nuid';
import { QueueCollector } from './queue-collector';
import type { Delivery, QueueEngine } from './queue-engine';
import { QueueLimits } from './queue-limits';
import { cannotSubscribe, queueNameError } from './queue-names';
import { waitMillis } from './queue-pull';
import { queueMessageError, sendQueueMessage } from './queue-send';

/** What the transaction does to its gRPC stream. */
export interface StreamSink {
  write(response: StreamQueueMessagesResponse): void;
  /** Ends the stream with OK: the transaction is over. */
  end(): void;
}

/** Error 127, or the visibility in seconds (0 means the default minute). */
function visibilitySeconds(seconds: number): number | string {
  if (seconds < 0 || seconds > QueueLimits.maxVisibilitySeconds) {
    return KubeMQErrorText.invalidVisibility;
  }
  return seconds === 0 ? QueueLimits.defaultVisibilitySeconds : seconds;
}

/**
 * One StreamQueueMessage stream (§6.5): a transaction for at most one
 * message. Errors are answered in-band and keep the stream open; the
 * stream ends (OK) once the message is acked, rejected, resent or replaced,
 * when its visibility runs out (Error 129, back to the queue) or when no
 * message came within the wait (Error 138). Both of those errors carry the
 * RequestID and type of the last request seen, whatever it was.
 */
export class StreamTransaction {
  private last = { id: '', type: 0 };
  private receiving = false;
  private collector: QueueCollector | undefined;
  private held: Delivery | undefined;
  private visibility: number = QueueLimits.defaultVisibilitySeconds;
  private visibilityTimer: NodeJS.Timeout | undefined;
  private over = false;

  constructor(
    private readonly engine: QueueEngine,
    private readonly sink: StreamSink,
  ) {}

  handle(request: StreamQueueMessagesRequest): void {
    if (this.over) return;
    if (request.RequestID === '') request.RequestID = nuid();
    this.last = { id: request.RequestID, type: request.StreamRequestTypeData };
    if (request.ClientID === '') return this.fail(request, KubeMQErrorText.emptyClientId);
    switch (request.StreamRequestTypeData) {
      case StreamRequestType.ReceiveMessage:
        return this.receive(request);
      case StreamRequestType.AckMessage:
        return this.settle(request, KubeMQErrorText.noActiveMessageToAck, (held) =>
          this.engine.ack(held),
        );
      case StreamRequestType.RejectMessage:
        return this.settle(request, KubeMQErrorText.noActiveMessageToReject, (held) =>
          this.engine.returnToQueue(held),
        );
      case StreamRequestType.ModifyVisibility:
        return this.modifyVisibility(request);
      case StreamRequestType.ResendMessage:
        return this.resend(request);
      case StreamRequestType.SendModifiedMessage:
        return this.sendModified(request);
      default:
        return this.fail(request, KubeMQErrorText.invalidStreamRequestType);
    }
  }

  /** The client went away (or the broker stops): a message in hand goes back to the tail. */
  abandon(): void {
    if (this.over) return;
    const held = this.held;
    this.finish();
    if (held) this.engine.returnToQueue(held);
  }

  private receive(request: StreamQueueMessagesRequest): void {
    const nameProblem = queueNameError(request.Channel);
    if (nameProblem) return this.fail(request, nameProblem);
    const visibility = visibilitySeconds(request.VisibilitySeconds);
    if (typeof visibility === 'string') return this.fail(request, visibility);
    const wait = waitMillis(request.WaitTimeSeconds);
    if (typeof wait === 'string') return this.fail(request, wait);
    if (this.receiving) return this.fail(request, KubeMQErrorText.queueSubscriptionActive);
    if (cannotSubscribe(request.Channel)) {
      return this.fail(request, KubeMQErrorText.queueSubscribeFailed);
    }
    this.receiving = true;
    this.visibility = visibility;
    this.collector = new QueueCollector(this.engine, request.Channel, 1, wait, (deliveries) => {
      this.collector = undefined;
      const [delivery] = deliveries;
      if (!delivery) return this.endWith(KubeMQErrorText.noNewMessage);
      this.held = delivery;
      this.reply(request, { Message: delivery.message });
      this.startVisibility();
    });
  }

  /** Ack and Reject: RefSequence must name the message in hand. */
  private settle(
    request: StreamQueueMessagesRequest,
    noMessage: string,
    settle: (held: Delivery) => void,
  ): void {
    if (request.RefSequence === '0') return this.fail(request, KubeMQErrorText.invalidAckSequence);
    const held = this.held;
    if (!held) return this.fail(request, noMessage);
    if (request.RefSequence !== String(held.entry.sequence)) {
      return this.fail(request, KubeMQErrorText.invalidAckSequence);
    }
    this.complete(request, () => settle(held));
  }

  private modifyVisibility(request: StreamQueueMessagesRequest): void {
    const visibility = visibilitySeconds(request.VisibilitySeconds);
    if (typeof visibility === 'string') return this.fail(request, visibility);
    this.visibility = visibility;
    if (this.held) this.startVisibility();
    this.reply(request, {});
  }

  /** A copy of the message in hand goes to `Channel` through the whole send path; the original is acked. */
  private resend(request: StreamQueueMessagesRequest): void {
    const nameProblem = queueNameError(request.Channel);
    if (nameProblem) return this.fail(request, nameProblem);
    const held = this.held;
    if (!held) return this.fail(request, KubeMQErrorText.noActiveMessageToSend);
    const original = held.entry.message;
    const copy: QueueMessage = {
      ...original,
      Channel: request.Channel,
      Attributes: null,
      Policy: { ...original.Policy },
    };
    this.sendInstead(request, held, copy);
  }

  private sendModified(request: StreamQueueMessagesRequest): void {
    const modified = request.ModifiedMessage;
    if (!modified) return this.fail(request, KubeMQErrorText.invalidQueueMessage);
    const problem = queueMessageError(modified);
    if (problem) return this.fail(request, problem);
    const visibility = visibilitySeconds(request.VisibilitySeconds);
    if (typeof visibility === 'string') return this.fail(request, visibility);
    const held = this.held;
    if (!held) return this.fail(request, KubeMQErrorText.noActiveMessageToAck);
    this.sendInstead(request, held, modified);
  }

  private sendInstead(
    request: StreamQueueMessagesRequest,
    held: Delivery,
    message: QueueMessage,
  ): void {
    const { result } = sendQueueMessage(this.engine, message);
    if (result.IsError) return this.fail(request, KubeMQErrorText.queueSendFailed);
    this.complete(request, () => this.engine.ack(held));
  }

  private startVisibility(): void {
    clearTimeout(this.visibilityTimer);
    this.visibilityTimer = setTimeout(() => {
      const held = this.held;
      this.endWith(KubeMQErrorText.visibilityExpired);
      if (held) this.engine.returnToQueue(held);
    }, this.visibility * 1000);
  }

  /** Settles the message, answers the request and ends the stream. */
  private complete(request: StreamQueueMessagesRequest, settle: () => void): void {
    this.finish();
    settle();
    this.reply(request, {});
    this.sink.end();
  }

  /** An error naming the last request seen, then the end of the stream. */
  private endWith(error: string): void {
    this.finish();
    this.sink.write(this.response(this.last.id, this.last.type, { IsError: true, Error: error }));
    this.sink.end();
  }

  private finish(): void {
    this.over = true;
    this.held = undefined;
    clearTimeout(this.visibilityTimer);
    this.collector?.cancel().forEach((delivery) => this.engine.release(delivery));
    this.collector = undefined;
  }

  private fail(request: StreamQueueMessagesRequest, error: string): void {
    this.reply(request, { IsError: true, Error: error });
  }

  private reply(
    request: StreamQueueMessagesRequest,
    fields: Partial<StreamQueueMessagesResponse>,
  ): void {
    this.sink.write(this.response(request.RequestID, request.StreamRequestTypeData, fields));
  }

  private response(
    requestId: string,
    type: number,
    fields: Partial<StreamQueueMessagesResponse>,
  ): StreamQueueMessagesResponse {
    return {
      RequestID: requestId,
      StreamRequestTypeData: type,
      Message: null,
      IsError: false,
      Error: '',
      ...fields,
    };
  }
}
