import { KubeMQError } from '../../kubemq/kubemq-error';
import { queueChannelError } from '../../kubemq/queues/queue-channel';
import { QueueLimits } from '../../kubemq/queues/queue-limits';
import { decoratorOf, type PlannedSubscription } from '../subscription-plan';

/** The options of one `@EventPattern(queue, { type: 'queue', ... })` handler, checked. */
export interface QueueHandlerOptions {
  /** Messages handled at once (1 to 1024). */
  concurrency: number;
  /** How long the broker hides a received message from other consumers, in seconds. */
  visibilitySeconds: number;
  /** How long one receive waits for a message before it asks again, in seconds. */
  waitSeconds: number;
  /** The handler settles each message itself through the context. */
  manualAck: boolean;
}

export const QUEUE_HANDLER_DEFAULTS: QueueHandlerOptions = {
  concurrency: 1,
  visibilitySeconds: 60,
  waitSeconds: 5,
  manualAck: false,
};

const MAX_CONCURRENCY = 1_024;

/**
 * Reads and checks a queue handler's channel and extras. Throws a
 * KubeMQError naming the handler for anything that cannot work, so that
 * `listen()` fails before any consumer opens.
 */
export function queueHandlerOptions(entry: PlannedSubscription): QueueHandlerOptions {
  const handler = decoratorOf(entry);
  const problem = queueChannelError(entry.channel);
  if (problem) {
    throw new KubeMQError(
      `${handler}: cannot consume the KubeMQ queue "${entry.channel}": ${problem}`,
    );
  }
  const extras = entry.extras as Record<string, unknown>;
  if (extras.group !== undefined) {
    throw new KubeMQError(
      `${handler}: queues have no groups (every consumer of a queue competes for its messages); remove group ${JSON.stringify(extras.group)}`,
    );
  }
  const whole = (name: keyof QueueHandlerOptions, min: number, max: number): number => {
    const value = extras[name];
    if (value === undefined) return QUEUE_HANDLER_DEFAULTS[name] as number;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new KubeMQError(
        `${handler}: ${name} must be a whole number from ${min} to ${max}, got ${describe(value)}`,
      );
    }
    return value;
  };
  const manualAck = extras.manualAck;
  if (manualAck !== undefined && typeof manualAck !== 'boolean') {
    throw new KubeMQError(
      `${handler}: manualAck must be true or false, got ${describe(manualAck)}`,
    );
  }
  return {
    concurrency: whole('concurrency', 1, MAX_CONCURRENCY),
    visibilitySeconds: whole('visibilitySeconds', 1, QueueLimits.maxVisibilitySeconds),
    waitSeconds: whole('waitSeconds', 1, QueueLimits.maxWaitSeconds),
    manualAck: manualAck ?? QUEUE_HANDLER_DEFAULTS.manualAck,
  };
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
