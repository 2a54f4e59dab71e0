import { StoredEventsReader } from '../../kubemq/events-store/stored-events-reader';
import { subscriberClientId } from '../../kubemq/events-store/subscriber-id';
import { KubeMQError } from '../../kubemq/kubemq-error';
import { type KubeMQEventReceive } from '../../kubemq/messages';
import { type ConsumerHost, type ConsumerKind, type KubeMQConsumer } from '../consumer';
import { handleEvent } from '../events/handle-event';
import { type PlannedSubscription } from '../subscription-plan';
import { eventsStoreOptions, type ResumeAfter } from './events-store-options';
import { OrderedDispatcher } from './ordered-dispatcher';

interface Received {
  event: KubeMQEventReceive;
  /** Ends this event's share of the server's in-flight count (close() waits for it). */
  done: () => void;
}

/**
 * `@EventPattern(channel, { type: 'events-store' })`: a durable events-store
 * subscription under a ClientID of its own (derived from the server's
 * clientId, the channel and the group, so that a restart resumes it), read
 * at once into a local queue and handed to the handler in sequence order,
 * `concurrency` at a time; a failing handler is logged and the stream goes on.
 */
export const eventsStoreConsumer: ConsumerKind = {
  check(entry) {
    eventsStoreOptions(entry);
  },

  open(host, entry): KubeMQConsumer {
    return new EventsStoreConsumer(host, entry);
  },
};

class EventsStoreConsumer implements KubeMQConsumer {
  private readonly reader: StoredEventsReader;
  private readonly dispatcher: OrderedDispatcher<Received>;
  private stopping: (() => void) | undefined;

  constructor(
    private readonly host: ConsumerHost,
    private readonly entry: PlannedSubscription,
  ) {
    const options = eventsStoreOptions(entry);
    const clientId = subscriberClientId(host.connection.clientId, entry.channel, entry.group);
    this.dispatcher = new OrderedDispatcher<Received>(
      options.concurrency,
      options.maxBuffered,
      (item) => this.handle(item),
      { onFull: () => this.reader.pause(), onRoom: () => this.reader.resume() },
    );
    const lifecycle = host.lifecycle(entry.channel);
    this.reader = new StoredEventsReader(
      host.connection,
      {
        channel: entry.channel,
        group: entry.group,
        clientId,
        start: options.start,
        maxHeld: options.maxBuffered,
      },
      {
        onEvent: (event) => this.dispatcher.push({ event, done: host.startWork() }),
        onError: (error) => lifecycle.onError?.(error),
        onDisconnect: (error, retryInMs) => lifecycle.onDisconnect?.(error, retryInMs),
        onReconnect: () => lifecycle.onReconnect?.(),
        onOversized: (error, sequence) =>
          lifecycle.onOversized?.(
            sequence === undefined
              ? error
              : new KubeMQError(`sequence ${sequence}: ${error.message}`, error.grpcCode),
          ),
        onNotice: (level, message) =>
          level === 'warn' ? host.logger.warn(message) : host.logger.log(message),
      },
    );
    if (options.resumeAfter) void this.startAfter(options.resumeAfter);
    else this.reader.start();
  }

  /** Asks the application where it stopped, then starts right after it. */
  private async startAfter(resumeAfter: ResumeAfter): Promise<void> {
    let after: bigint | undefined;
    try {
      const value = await resumeAfter();
      if (value !== undefined && value !== null) {
        if (!Number.isSafeInteger(value) || value < 0) {
          throw new KubeMQError(`it returned ${JSON.stringify(value)}, not a sequence (0 or more)`);
        }
        after = BigInt(value);
      }
    } catch (error) {
      this.host.reportError(
        `resumeAfter() of @EventPattern('${this.entry.channel}') failed; resuming where KubeMQ counts this subscription`,
        error,
      );
    }
    this.reader.start(after);
  }

  /** No new events; what was received is still handled (the server drains it within gracePeriod). */
  stop(): void {
    // A gap fill under way still delivers the gap and what waits behind it.
    this.stopping = this.host.startWork();
    void this.reader.stop().then(this.stopping);
  }

  /** After the grace period: what was received and not handled is dropped, and said so. */
  async close(): Promise<void> {
    const held = this.reader.abort();
    const waiting = this.dispatcher.abandon();
    for (const item of waiting) item.done();
    this.stopping?.();
    const lost = held + waiting.length;
    if (lost === 0) return;
    const first = waiting[0]?.event.Sequence;
    this.host.logger.warn(
      `Closing with ${lost} received events-store event(s) of "${this.entry.channel}" not handled${first ? ` (from sequence ${first})` : ''}: KubeMQ counts them as delivered, so a restart with the same clientId resumes after them`,
    );
  }

  private handle({ event, done }: Received): Promise<void> {
    const { host, entry } = this;
    return handleEvent(host, entry, event, done, {
      type: 'events-store',
      onUndecodable: (error) =>
        host.logger.error(
          `Skipped sequence ${event.Sequence}: ${error.message}; carrying on with the next event`,
        ),
      onFailed: (error) =>
        host.logger.error(
          `Events-store handler of "${entry.channel}" failed on sequence ${event.Sequence} (EventID ${event.EventID}): ${describe(error)}; carrying on with the next event`,
        ),
    });
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && 'message' in error) {
    return String((error as { message: unknown }).message);
  }
  return String(error);
}
