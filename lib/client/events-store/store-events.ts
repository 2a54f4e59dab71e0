import { EventsStream } from '../../kubemq/events-store/events-stream';
import { type KubeMQConnection } from '../../kubemq/connection';
import { KubeMQError } from '../../kubemq/kubemq-error';
import { type KubeMQResult } from '../../kubemq/messages';
import {
  KubeMQRecord,
  type KubeMQRecordOptions,
} from '../../record-builders/kubemq.record-builder';
import { emitFailure } from '../events/event-publisher';
import { storeChannelError } from '../../kubemq/events-store/store-channel';
import { encodeEvent, unpackRecord } from '../request-encoder';
import { checkStored, encodeStoredEvent } from './events-store-publisher';

/** What `storeEvent()` / `storeEvents()` emit for each event KubeMQ stored. */
export interface KubeMQStoredEvent {
  /** The event's EventID (subscribers read it with `ctx.getRequestId()`). */
  eventId: string;
  /** The channel it was stored on. */
  channel: string;
}

/** Per-call options of `storeEvent()` / `storeEvents()`. */
export type KubeMQStoreOptions = Omit<KubeMQRecordOptions, 'type'>;

/** One shared SendEventsStream per connection. */
const streams = new WeakMap<KubeMQConnection, EventsStream>();

function streamOf(connection: KubeMQConnection): EventsStream {
  let stream = streams.get(connection);
  if (!stream) {
    stream = new EventsStream(connection);
    streams.set(connection, stream);
  }
  return stream;
}

/** One stored event by SendEvent; resolves once KubeMQ answered `Sent: true`. */
export async function storeOne(
  connection: KubeMQConnection,
  channel: string,
  data: unknown,
  options: KubeMQStoreOptions,
  defaultTimeout: number,
): Promise<KubeMQStoredEvent> {
  const { event, timeout } = encodeStoredEvent(
    channel,
    withOptions(data, { ...options, type: 'events-store' }),
    connection.clientId,
  );
  let result: KubeMQResult;
  try {
    result = await connection.sendEvent(event, timeout ?? defaultTimeout);
  } catch (error) {
    throw emitFailure('stored event', channel, error);
  }
  return { eventId: checkStored(channel, result).EventID, channel };
}

/**
 * Many stored events over the connection's shared SendEventsStream. Every
 * item is encoded (and checked) before the first is written, so a bad one
 * sends nothing. Resolves with one entry per item, in order, once KubeMQ
 * answered `Sent: true` for all; otherwise rejects naming the channel and
 * what failed (the others were stored).
 */
export async function storeMany(
  connection: KubeMQConnection,
  channel: string,
  items: readonly unknown[],
  options: KubeMQStoreOptions,
  defaultTimeout: number,
): Promise<KubeMQStoredEvent[]> {
  if (!Array.isArray(items)) {
    throw new KubeMQError(`storeEvents("${channel}", items): items must be an array`);
  }
  const timeout = options.timeout ?? defaultTimeout;
  // The channel is checked once; each item's body (and emptiness) by encodeEvent.
  const problem = storeChannelError(channel);
  if (problem) {
    throw new KubeMQError(`Cannot store an event on KubeMQ channel "${channel}": ${problem}`);
  }
  const events = items.map((item) => {
    const { event } = encodeEvent(channel, withOptions(item, options), connection.clientId);
    event.Store = true;
    return event;
  });
  const outcomes = await streamOf(connection).sendMany(events, timeout);
  const failures: string[] = [];
  const stored: KubeMQStoredEvent[] = [];
  outcomes.forEach((outcome, index) => {
    if (outcome instanceof KubeMQError) failures.push(`#${index}: ${outcome.message}`);
    else if (!outcome.Sent) failures.push(`#${index}: ${outcome.Error}`);
    else stored.push({ eventId: outcome.EventID, channel });
  });
  if (failures.length > 0) {
    const shown = failures.slice(0, 3).join('; ');
    const more = failures.length > 3 ? `; and ${failures.length - 3} more` : '';
    throw new KubeMQError(
      `KubeMQ did not store ${failures.length} of ${items.length} event(s) on "${channel}": ${shown}${more}`,
    );
  }
  return stored;
}

/** An item as a record: a KubeMQRecord's own options win over the call's. */
function withOptions(item: unknown, options: KubeMQRecordOptions): KubeMQRecord {
  const { data, options: own } = unpackRecord(item);
  return new KubeMQRecord(data, { ...options, ...own, type: options.type ?? own.type });
}
