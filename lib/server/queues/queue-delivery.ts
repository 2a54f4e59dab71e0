import { KubeMQContext } from '../../ctx-host/kubemq.context';
import { type QueueMessage } from '../../kubemq/queues/queue-messages';
import { type QueueTransaction } from '../../kubemq/queues/queue-transaction';
import { bodyFormatOf, decodeBody } from '../../serializers/body-codec';
import { type ConsumerHost } from '../consumer';
import { type HandlerOutcome } from '../handler-runner';
import { deserializeIncoming } from '../incoming-payload';
import { type PlannedSubscription } from '../subscription-plan';
import { type QueueHandlerOptions } from './queue-handler-options';
import { QueueMessageSettlement } from './queue-settlement';

/** What a delivery needs from its consumer. */
export interface QueueDeliveryScope {
  readonly host: ConsumerHost;
  readonly entry: PlannedSubscription;
  readonly options: QueueHandlerOptions;
  /** True once the consumer hands its unsettled messages back (close()). */
  readonly closing: boolean;
}

/**
 * Runs the handler for one received message and settles it: acked when the
 * handler (its Promise or Observable) completed without error, rejected
 * when it failed; a `manualAck` handler settles it through the context, and
 * what it leaves unsettled is rejected. Until then the message's visibility
 * is extended, so no other consumer gets it while the handler runs. Counts
 * as in-flight work (close() waits for it) until the broker has settled it.
 */
export async function deliverQueueMessage(
  scope: QueueDeliveryScope,
  transaction: QueueTransaction,
  message: QueueMessage,
): Promise<void> {
  const { host, entry, options } = scope;
  const done = host.startWork();
  const channel = message.Channel || entry.channel;
  const settlement = new QueueMessageSettlement(
    transaction,
    `queue message ${message.MessageID} of "${channel}"`,
  );
  const ctx = KubeMQContext.forQueue(
    entry.channel,
    message,
    options.manualAck ? settlement : undefined,
  );
  const stopExtending = keepVisible(transaction, options.visibilitySeconds);
  transaction.onLost((reason) => {
    if (!scope.closing) host.logger.warn(`${settlement.what}: ${reason.message}`);
  });
  const span = host.tracing?.start(ctx, undefined, message.Body.length);
  let outcome: HandlerOutcome | undefined;
  try {
    let data: unknown;
    if (host.serialization) {
      try {
        data = await deserializeIncoming(host.serialization, message.Body, message.Tags, ctx);
      } catch (error) {
        span?.end(error);
        await rejectUnreadable(scope, settlement, ctx, error as Error);
        return;
      }
    } else data = decodeBody(message.Body, bodyFormatOf(message.Tags));
    outcome = await host.run(entry.handler, data, ctx, span);
    settlement.handlerReturned();
    await settleAfter(scope, settlement, ctx, outcome);
  } finally {
    stopExtending();
    // Whatever could not be settled goes back to the queue now rather than when its visibility ends.
    if (!transaction.isSettled) transaction.abandon();
    if (outcome) host.endProcessing(ctx);
    span?.end(outcome && !outcome.ok ? outcome.error : undefined);
    done();
  }
}

/**
 * A message whose body the deserializer cannot read is rejected, like one
 * whose handler failed: KubeMQ delivers it again, and past its
 * MaxReceiveCount moves it to its dead-letter queue.
 */
async function rejectUnreadable(
  scope: QueueDeliveryScope,
  settlement: QueueMessageSettlement,
  ctx: KubeMQContext,
  error: Error,
): Promise<void> {
  settlement.handlerReturned();
  scope.host.logger.warn(`${settlement.what} rejected: ${error.message}. ${afterReject(ctx)}`);
  try {
    await settlement.settle('reject');
  } catch (failure) {
    scope.host.logger.warn(`${(failure as Error).message}; KubeMQ delivers it again`);
  }
}

async function settleAfter(
  scope: QueueDeliveryScope,
  settlement: QueueMessageSettlement,
  ctx: KubeMQContext,
  outcome: HandlerOutcome,
): Promise<void> {
  const { host, options } = scope;
  if (options.manualAck) await settlement.inProgress();
  if (!settlement.isOpen) return;
  let verb: 'ack' | 'reject' = outcome.ok ? 'ack' : 'reject';
  if (options.manualAck) {
    verb = 'reject';
    host.logger.warn(
      `${settlement.what} was left unsettled by its manualAck handler; rejecting it. ${afterReject(ctx)}`,
    );
  } else if (!outcome.ok) {
    host.logger.warn(
      `${settlement.what} rejected: its handler failed (${describeError(outcome.error)}). ${afterReject(ctx)}`,
    );
  }
  try {
    await settlement.settle(verb);
  } catch (error) {
    const text = (error as Error).message;
    host.logger.warn(
      scope.closing
        ? `${text}; it had been handed back to the queue at close(), KubeMQ delivers it again`
        : `${text}; KubeMQ delivers it again`,
    );
  }
}

/** What KubeMQ does with a message rejected now, for the log. */
function afterReject(ctx: KubeMQContext): string {
  const info = ctx.getQueueInfo();
  if (!info) return '';
  const { receiveCount, maxReceiveCount, deadLetterQueue } = info;
  if (maxReceiveCount > 0 && receiveCount >= maxReceiveCount) {
    return deadLetterQueue
      ? `Delivered ${receiveCount} of at most ${maxReceiveCount} times: KubeMQ moves it to the dead-letter queue "${deadLetterQueue}".`
      : `Delivered ${receiveCount} of at most ${maxReceiveCount} times and no dead-letter queue: KubeMQ drops it.`;
  }
  return `KubeMQ puts it back at the tail of the queue (delivery ${receiveCount}${maxReceiveCount > 0 ? ` of at most ${maxReceiveCount}` : ''}).`;
}

function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (error && typeof error === 'object' && 'message' in error) {
    return String((error as { message: unknown }).message);
  }
  try {
    return JSON.stringify(error);
  } catch {
    return String(error);
  }
}

/**
 * Extends the message's visibility at half its length while the handler
 * runs, so a slow handler keeps its message; a consumer that stops
 * answering (a blocked event loop) loses it to another one after the full
 * visibility. Returns the function that stops it.
 */
function keepVisible(transaction: QueueTransaction, seconds: number): () => void {
  const timer = setInterval(() => {
    // A failure here means the transaction is over: onLost reports why.
    transaction.extendVisibility(seconds).catch(() => undefined);
  }, seconds * 500);
  timer.unref();
  const stop = () => clearInterval(timer);
  transaction.onEnd(stop);
  return stop;
}
