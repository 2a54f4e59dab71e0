import { EventPattern } from '@nestjs/microservices';
import { KUBEMQ_TRANSPORT } from '../../constants';

/** The options of a queue handler (`@QueuePattern(queue, options)`). */
export interface KubeMQQueueHandlerOptions {
  /** Messages handled at once, each in its own KubeMQ transaction (1 to 1024, default 1: FIFO). */
  concurrency?: number;
  /**
   * Seconds KubeMQ hides a received message from other consumers (1 to
   * 43200, default 60); extended while the handler runs.
   */
  visibilitySeconds?: number;
  /** Seconds one receive waits for a message before it asks again (1 to 3600, default 5). */
  waitSeconds?: number;
  /** The handler settles each message itself with `ctx.ack()`, `ctx.reject()` or `ctx.requeue()`. */
  manualAck?: boolean;
}

/**
 * Consumes the KubeMQ queue `queue`: the same as
 * `@EventPattern(queue, KUBEMQ_TRANSPORT, { type: 'queue', ...options })`,
 * with typed options, bound to KubeMQ in a hybrid app, and typed so that
 * the handler may take `@Ctx() ctx: KubeMQContext` on NestJS 12 too (whose
 * `@EventPattern` types every parameter after the payload as `unknown`).
 *
 * @example
 * ```ts
 * @QueuePattern('payments.capture', { concurrency: 4 })
 * capture(@Payload() payment: Payment, @Ctx() ctx: KubeMQContext) {}
 * ```
 */
export function QueuePattern(
  queue: string,
  options: KubeMQQueueHandlerOptions = {},
): MethodDecorator {
  return EventPattern<string>(queue, KUBEMQ_TRANSPORT, { ...options, type: 'queue' });
}
