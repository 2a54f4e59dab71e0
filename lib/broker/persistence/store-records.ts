import type { Tags } from '../../kubemq/messages';
import type {
  QueueMessageAttributes,
  QueueMessagePolicy,
} from '../../kubemq/queues/queue-messages';
import type { StoredEvent } from '../events-store/channel-log';
import type { ChannelCounters, StoredMessage } from '../queues/channel-queue';
import type { JournalRecord } from './record-lines';

/**
 * The records of the broker's journal and how stored events and queue
 * messages become JSON and back (bodies as base64, int64 as strings). A
 * record that checks out by its checksum but not by its shape is refused
 * with a reason rather than trusted.
 */

/** The first record of every journal file: what wrote it. */
export const JOURNAL_FORMAT = 'nestjs-kubemq-broker-store';
export const JOURNAL_VERSION = 1;

export function headerRecord(): JournalRecord {
  return { t: 'h', format: JOURNAL_FORMAT, v: JOURNAL_VERSION };
}

/** An events-store event, as stored (channel, sequence, time and all). */
export function eventRecord(stored: StoredEvent): JournalRecord {
  const { receive } = stored;
  return {
    t: 'e',
    c: receive.Channel,
    s: Number(receive.Sequence),
    at: stored.at.toString(),
    id: receive.EventID,
    m: receive.Metadata,
    b: Buffer.from(receive.Body).toString('base64'),
    g: receive.Tags,
  };
}

export function readEvent(record: JournalRecord): StoredEvent {
  const channel = text(record, 'c');
  const sequence = count(record, 's');
  const at = BigInt(decimal(record, 'at'));
  return {
    at,
    receive: {
      EventID: text(record, 'id'),
      Channel: channel,
      Metadata: text(record, 'm'),
      Body: base64(record, 'b'),
      Timestamp: at.toString(),
      Sequence: String(sequence),
      Tags: tags(record, 'g'),
    },
  };
}

/** Where an events-store channel's numbering starts (a snapshot's channel header). */
export function logStartRecord(channel: string, first: number): JournalRecord {
  return { t: 'ec', c: channel, first };
}

/** A durable subscription position. */
export function positionRecord(key: string, next: number): JournalRecord {
  return { t: 'p', k: key, n: next };
}

/** A message stored in `queue`, with its sequence in its Attributes. */
export function queueMessageRecord(queue: string, message: StoredMessage): JournalRecord {
  return { t: 'q', c: queue, m: messageJson(message) };
}

/** The message with sequence `sequence` left `queue`. */
export function queueRemovedRecord(queue: string, sequence: number): JournalRecord {
  return { t: 'qd', c: queue, s: sequence };
}

export function queueSubscribedRecord(queue: string): JournalRecord {
  return { t: 'qs', c: queue };
}

/** A queue's counters (in a snapshot, after its messages). */
export function queueCountersRecord(queue: string, counters: ChannelCounters): JournalRecord {
  return { t: 'qc', c: queue, ...counters };
}

export function readCounters(record: JournalRecord): ChannelCounters {
  return {
    first: count(record, 'first'),
    last: count(record, 'last'),
    sent: count(record, 'sent'),
    bytes: count(record, 'bytes'),
    delivered: count(record, 'delivered'),
    subscribed: record.subscribed === true,
  };
}

/** A delayed message parked under `id` until `dueAt`. */
export function parkedRecord(id: number, dueAt: bigint, message: StoredMessage): JournalRecord {
  return { t: 'd', id, due: dueAt.toString(), m: messageJson(message) };
}

/** The parked messages with these ids moved to their queues. */
export function unparkedRecord(ids: number[]): JournalRecord {
  return { t: 'du', ids };
}

function messageJson(message: StoredMessage): Record<string, unknown> {
  return { ...message, Body: Buffer.from(message.Body).toString('base64') };
}

export function readMessage(record: JournalRecord): StoredMessage {
  const json = record.m;
  if (!json || typeof json !== 'object') throw new Error('no message');
  const m = json as JournalRecord;
  const attributes = m.Attributes as QueueMessageAttributes | undefined;
  const policy = m.Policy as QueueMessagePolicy | undefined;
  if (!attributes || typeof attributes !== 'object' || !/^\d+$/.test(attributes.Sequence ?? '')) {
    throw new Error('no message sequence');
  }
  if (!policy || typeof policy !== 'object') throw new Error('no message policy');
  return {
    MessageID: text(m, 'MessageID'),
    ClientID: text(m, 'ClientID'),
    Channel: text(m, 'Channel'),
    Metadata: text(m, 'Metadata'),
    Body: base64(m, 'Body'),
    Tags: tags(m, 'Tags'),
    Attributes: { ...attributes },
    Policy: { ...policy },
    Topic: typeof m.Topic === 'string' ? m.Topic : '',
    Partition: typeof m.Partition === 'number' ? m.Partition : 0,
    PartitionKey: typeof m.PartitionKey === 'string' ? m.PartitionKey : '',
  };
}

export function text(record: JournalRecord, field: string): string {
  const value = record[field];
  if (typeof value !== 'string') throw new Error(`${field} is not a string`);
  return value;
}

export function count(record: JournalRecord, field: string): number {
  const value = record[field];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new Error(`${field} is not a count`);
  }
  return value;
}

export function decimal(record: JournalRecord, field: string): string {
  const value = text(record, field);
  if (!/^\d+$/.test(value)) throw new Error(`${field} is not a decimal integer`);
  return value;
}

function base64(record: JournalRecord, field: string): Buffer {
  return Buffer.from(text(record, field), 'base64');
}

function tags(record: JournalRecord, field: string): Tags {
  const value = record[field];
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`${field} is not a map`);
  }
  const out: Tags = {};
  for (const [key, tag] of Object.entries(value)) {
    if (typeof tag !== 'string') throw new Error(`${field}.${key} is not a string`);
    // defineProperty: a tag named __proto__ stays a tag (assignment would set the prototype).
    Object.defineProperty(out, key, {
      value: tag,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}
