import { EventsStoreType } from '../messages';

/**
 * Where a new events-store subscription starts reading its channel.
 *
 * - `'new'`: only events stored after it subscribes (KubeMQ's StartNewOnly);
 * - `'first'`: every event still retained, then live (StartFromFirst);
 * - `'last'`: the last stored event, then live (StartFromLast);
 * - `{ sequence: n }`: from sequence `n` (StartAtSequence; before the first
 *   retained one: from the first; past the last: new only);
 * - `{ time: Date }`: from the first event stored at or after `time`;
 * - `{ timeDelta: s }`: from the events of the last `s` seconds (StartAtTimeDelta).
 *
 * KubeMQ applies it to the first subscription of a ClientID only: a later
 * subscription with the same ClientID (and channel and group) resumes where
 * the previous one stopped.
 */
export type EventsStoreStart =
  'new' | 'first' | 'last' | { sequence: number } | { time: Date } | { timeDelta: number };

/** The Subscribe fields that ask for a start position. */
export interface StartFields {
  EventsStoreTypeData: number;
  /** int64 as a decimal string. */
  EventsStoreTypeValue: string;
}

/**
 * KubeMQ turns StartAtTime into "start at now minus (now - time)" and the
 * store computes "now" again a moment later, so events stored up to that
 * moment after `time` are skipped (observed: several events stored within
 * microseconds after it). We ask for this much earlier and drop what comes
 * before `time` ourselves.
 */
export const START_AT_TIME_MARGIN_NS = 1_000_000_000n;

/** A Date as Unix nanoseconds. */
export function unixNanos(date: Date): bigint {
  return BigInt(date.getTime()) * 1_000_000n;
}

/** The Subscribe fields for `start`; `'new'` when undefined. Assumes a checked value. */
export function startFields(start: EventsStoreStart | undefined): StartFields {
  if (start === undefined || start === 'new') return fields(EventsStoreType.StartNewOnly);
  if (start === 'first') return fields(EventsStoreType.StartFromFirst);
  if (start === 'last') return fields(EventsStoreType.StartFromLast);
  if ('sequence' in start) return fields(EventsStoreType.StartAtSequence, BigInt(start.sequence));
  if ('timeDelta' in start)
    return fields(EventsStoreType.StartAtTimeDelta, BigInt(start.timeDelta));
  const nanos = unixNanos(start.time) - START_AT_TIME_MARGIN_NS;
  return fields(EventsStoreType.StartAtTime, nanos > 0n ? nanos : 1n);
}

/**
 * For `{ time }`: drops what KubeMQ delivers from before `time` (we asked for
 * {@link START_AT_TIME_MARGIN_NS} earlier), until the first event passes.
 * An event older than that margin means KubeMQ resumed a durable
 * subscription and ignored the start: then nothing is dropped.
 */
export class StartTimeFilter {
  private notBefore: bigint | undefined;

  constructor(start: EventsStoreStart | undefined) {
    this.notBefore =
      typeof start === 'object' && 'time' in start ? unixNanos(start.time) : undefined;
  }

  /** The start no longer applies (the reader resumes from a known sequence). */
  disable(): void {
    this.notBefore = undefined;
  }

  /** False for an event to drop; the filter ends at the first event that passes. */
  pass(timestampNanos: string): boolean {
    if (this.notBefore === undefined) return true;
    const timestamp = BigInt(timestampNanos);
    const resumed = timestamp < this.notBefore - START_AT_TIME_MARGIN_NS;
    if (!resumed && timestamp < this.notBefore) return false;
    this.notBefore = undefined;
    return true;
  }
}

/** Fields asking to start right after `sequence` (a re-opened subscription resuming). */
export function afterSequenceFields(sequence: bigint): StartFields {
  return fields(EventsStoreType.StartAtSequence, sequence + 1n);
}

/**
 * Why `start` cannot be used, in words a user can act on; undefined when it
 * is valid. Mirrors KubeMQ's own checks (Error 112-114) and adds the type checks.
 */
export function startError(start: unknown): string | undefined {
  if (start === undefined || start === 'new' || start === 'first' || start === 'last') {
    return undefined;
  }
  const expected = `start must be 'new', 'first', 'last', { sequence: n }, { time: Date } or { timeDelta: seconds }, got ${describe(start)}`;
  if (typeof start !== 'object' || start === null) return expected;
  const keys = Object.keys(start);
  if (keys.length !== 1) return expected;
  const value = (start as Record<string, unknown>)[keys[0]];
  switch (keys[0]) {
    case 'sequence':
      return isPositiveInteger(value)
        ? undefined
        : `start.sequence must be a whole number of at least 1, got ${describe(value)}`;
    case 'timeDelta':
      return isPositiveInteger(value)
        ? undefined
        : `start.timeDelta must be a whole number of seconds, at least 1, got ${describe(value)}`;
    case 'time':
      if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
        return `start.time must be a valid Date, got ${describe(value)}`;
      }
      return value.getTime() > 0
        ? undefined
        : `start.time must be after 1970-01-01T00:00:00Z, got ${value.toISOString()}`;
    default:
      return expected;
  }
}

function fields(type: number, value = 0n): StartFields {
  return { EventsStoreTypeData: type, EventsStoreTypeValue: value.toString() };
}

function isPositiveInteger(value: unknown): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1;
}

function describe(value: unknown): string {
  if (value instanceof Date) return `Date(${String(value.getTime())})`;
  if (typeof value === 'bigint') return `${value}n`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
