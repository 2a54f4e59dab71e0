import { type MsPattern } from '@nestjs/microservices';
import { defer, type Observable } from 'rxjs';
import { KubeMQRecord, type KubeMQRecordOptions } from '../record-builders/kubemq.record-builder';
import { type KubeMQCommandResponse } from './client-kubemq.options';
import {
  storeMany,
  storeOne,
  type KubeMQStoredEvent,
  type KubeMQStoreOptions,
} from './events-store/store-events';
import { KubeMQClientProxy } from './kubemq-client-proxy';
import { pullFromQueue } from './queues/queue-pull';
import { sendBatchToQueue, sendToQueue } from './queues/queue-sender';
import {
  type KubeMQQueueMessage,
  type KubeMQQueuePullOptions,
  type KubeMQQueueSendOptions,
  type KubeMQQueueSendResult,
} from './queues/queue-types';

/** Per-call options of {@link ClientKubeMQ.command} and {@link ClientKubeMQ.query}. */
export type KubeMQCallOptions = Omit<KubeMQRecordOptions, 'type'>;

/**
 * Nest `ClientProxy` for KubeMQ. `send()` sends a command (or, with a
 * record of type `'query'`, a query) and emits the response; `emit()`
 * publishes an event. The typed calls below read better in a service:
 * `command()`, `query()`, `storeEvent()`, `sendToQueue()`, ...
 *
 * @example
 * ```ts
 * ClientsModule.register([
 *   { name: 'KUBEMQ', customClass: ClientKubeMQ, options: { address: 'localhost:50000' } },
 * ]);
 * ```
 */
export class ClientKubeMQ extends KubeMQClientProxy {
  /** Sends a command and emits the responder's acknowledgement. */
  command(
    channel: MsPattern,
    data: unknown,
    options: KubeMQCallOptions = {},
  ): Observable<KubeMQCommandResponse> {
    return this.send<KubeMQCommandResponse>(
      channel,
      new KubeMQRecord(data, { ...options, type: 'command' }),
    );
  }

  /** Sends a query and emits the handler's result. */
  query<TResult = unknown>(
    channel: MsPattern,
    data: unknown,
    options: KubeMQCallOptions = {},
  ): Observable<TResult> {
    return this.send<TResult>(channel, new KubeMQRecord(data, { ...options, type: 'query' }));
  }

  /**
   * Stores one event in KubeMQ's events store (SendEvent with Store: true).
   * It is published at once, like `emit()`; the Observable emits
   * `{ eventId, channel }` and completes once KubeMQ answered `Sent: true`,
   * or errors with KubeMQ's text and the channel (a bad channel, an empty
   * event, an unreachable broker). Late subscribers still get the outcome.
   *
   * @example
   * ```ts
   * const { eventId } = await lastValueFrom(this.client.storeEvent('orders', order));
   * ```
   */
  storeEvent(
    channel: string,
    data: unknown,
    options: KubeMQStoreOptions = {},
  ): Observable<KubeMQStoredEvent> {
    return this.publishHelper(
      { kind: 'events-store', channel, items: [data], batch: false },
      {
        options,
        send: (connection, [item]) => storeOne(connection, channel, item, options, this.timeout),
        idOf: (stored) => stored.eventId,
      },
    );
  }

  /**
   * Stores many events over one SendEventsStream that the client keeps open
   * and shares between calls (much cheaper per event than one call each).
   * Every item is checked before the first is written; the Observable
   * emits one `{ eventId, channel }` per item, in order, once KubeMQ stored
   * them all, or errors naming the channel and the items it refused.
   * Published at once, like `emit()`.
   *
   * @example
   * ```ts
   * await lastValueFrom(this.client.storeEvents('orders', [order1, order2]));
   * ```
   */
  storeEvents(
    channel: string,
    items: readonly unknown[],
    options: KubeMQStoreOptions = {},
  ): Observable<KubeMQStoredEvent[]> {
    return this.publishHelper(
      { kind: 'events-store', channel, items, batch: true },
      {
        options,
        send: (connection, prepared) =>
          storeMany(connection, channel, prepared, options, this.timeout),
      },
    );
  }

  /**
   * Sends one message to the KubeMQ queue `channel`, at once (like `emit()`,
   * and `emit(channel, record)` with `setType('queue')` does the same); the
   * Observable emits KubeMQ's result (message id, sent at, expiry, delay)
   * and completes, or errors with KubeMQ's refusal and the queue's name.
   * Late subscribers still get the outcome.
   *
   * @example
   * ```ts
   * await lastValueFrom(
   *   this.client.sendToQueue('payments', payment, { policy: { maxReceiveQueue: 'payments-dlq' } }),
   * );
   * ```
   */
  sendToQueue(
    channel: string,
    data: unknown,
    options: KubeMQQueueSendOptions = {},
  ): Observable<KubeMQQueueSendResult> {
    return this.publishHelper(
      { kind: 'queue', channel, items: [data], batch: false },
      {
        options,
        send: (connection, [item]) => sendToQueue(connection, channel, item, options, this.timeout),
        idOf: (result) => result.messageId,
      },
    );
  }

  /**
   * Sends several messages to the queue `channel` in one call, at once (each
   * item plain data or a KubeMQRecord, whose options win over `options`);
   * emits their results in order. KubeMQ accepts or refuses each message on
   * its own: if it refused any, this errors with a `KubeMQQueueBatchError`
   * listing which were sent (`results`) and which not (`refused`).
   */
  sendQueueBatch(
    channel: string,
    messages: readonly unknown[],
    options: KubeMQQueueSendOptions = {},
  ): Observable<KubeMQQueueSendResult[]> {
    return this.publishHelper(
      { kind: 'queue', channel, items: messages, batch: true },
      {
        options,
        send: (connection, prepared) =>
          sendBatchToQueue(connection, channel, prepared, options, this.timeout),
      },
    );
  }

  /**
   * On subscription, pulls up to `maxMessages` (default 1) from the queue
   * `channel`, waiting up to `waitSeconds` (default 1), and emits them
   * (possibly none). KubeMQ removes each message as it hands it out: nothing
   * is acked and nothing comes back if the caller then fails (at most once).
   * Work that must not be lost belongs in a queue handler (`@QueuePattern`),
   * acked only after it succeeded.
   */
  receiveFromQueue<TData = unknown>(
    channel: string,
    options: KubeMQQueuePullOptions = {},
  ): Observable<Array<KubeMQQueueMessage<TData>>> {
    return defer(async () =>
      pullFromQueue<TData>(
        await this.connectedFor(channel),
        channel,
        options,
        false,
        this.serialization,
      ),
    );
  }

  /**
   * On subscription, looks at up to `maxMessages` (default 1) messages of the
   * queue `channel` without taking them, waiting up to `waitSeconds` (default
   * 1). While a peek runs, the messages it looks at are not delivered to consumers.
   */
  peekQueue<TData = unknown>(
    channel: string,
    options: KubeMQQueuePullOptions = {},
  ): Observable<Array<KubeMQQueueMessage<TData>>> {
    return defer(async () =>
      pullFromQueue<TData>(
        await this.connectedFor(channel),
        channel,
        options,
        true,
        this.serialization,
      ),
    );
  }
}
