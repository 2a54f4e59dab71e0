import { type EventsStoreStart, startError } from '../../kubemq/events-store/start-position';
import { storeChannelError } from '../../kubemq/events-store/store-channel';
import { KubeMQError } from '../../kubemq/kubemq-error';
import { decoratorOf, type PlannedSubscription } from '../subscription-plan';

/** The checked options of one `@EventPattern(channel, { type: 'events-store', ... })` handler. */
export interface EventsStoreHandlerOptions {
  start: EventsStoreStart | undefined;
  /** Handlers running at once (default 1: the stream in sequence order). */
  concurrency: number;
  /** Received events waiting for a handler before reading pauses. */
  maxBuffered: number;
  /** The application's own record of the last sequence it handled (see the extras). */
  resumeAfter: ResumeAfter | undefined;
}

/** `resumeAfter`: the last sequence the application handled, from its own storage. */
export type ResumeAfter = () => number | undefined | null | Promise<number | undefined | null>;

export const DEFAULT_MAX_BUFFERED = 10_000;

const KNOWN_EXTRAS = ['type', 'group', 'start', 'concurrency', 'maxBuffered', 'resumeAfter'];

/**
 * Checks an events-store handler's channel and extras. Throws a KubeMQError
 * naming the handler, so that `listen()` fails before anything is opened.
 */
export function eventsStoreOptions(entry: PlannedSubscription): EventsStoreHandlerOptions {
  const refuse = (problem: string) => new KubeMQError(`${decoratorOf(entry)}: ${problem}`);
  const extras = entry.extras as Record<string, unknown>;
  const unknown = Object.keys(extras).filter((key) => !KNOWN_EXTRAS.includes(key));
  if (unknown.length > 0) {
    throw refuse(
      `unknown option ${unknown.map((key) => `'${key}'`).join(', ')} (an events-store handler takes ${KNOWN_EXTRAS.slice(1).join(', ')})`,
    );
  }
  const channelProblem = storeChannelError(entry.channel, entry.group);
  if (channelProblem) {
    throw refuse(`cannot subscribe to the events store on "${entry.channel}": ${channelProblem}`);
  }
  const startProblem = startError(extras.start);
  if (startProblem) throw refuse(startProblem);
  const concurrency = wholeNumber(extras.concurrency, 1, 'concurrency', refuse);
  const maxBuffered = wholeNumber(extras.maxBuffered, DEFAULT_MAX_BUFFERED, 'maxBuffered', refuse);
  const resumeAfter = extras.resumeAfter;
  if (resumeAfter !== undefined && typeof resumeAfter !== 'function') {
    throw refuse(
      `resumeAfter must be a function returning the last handled sequence, got ${JSON.stringify(resumeAfter)}`,
    );
  }
  if (resumeAfter !== undefined && entry.group !== '') {
    throw refuse(
      `resumeAfter cannot be used with a group (its members share the channel's sequence)`,
    );
  }
  return {
    start: extras.start as EventsStoreStart | undefined,
    concurrency,
    maxBuffered,
    resumeAfter: resumeAfter as ResumeAfter | undefined,
  };
}

function wholeNumber(
  value: unknown,
  fallback: number,
  name: string,
  refuse: (problem: string) => KubeMQError,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw refuse(`${name} must be a whole number of at least 1, got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * For other handler kinds: refuses the events-store options, which they
 * would otherwise accept and ignore.
 */
export function refuseEventsStoreExtras(entry: PlannedSubscription): void {
  const extras = entry.extras as Record<string, unknown>;
  const misplaced = ['start', 'concurrency', 'maxBuffered', 'resumeAfter'].filter(
    (key) => extras[key] !== undefined,
  );
  if (misplaced.length > 0) {
    throw new KubeMQError(
      `${decoratorOf(entry)}: ${misplaced.map((key) => `'${key}'`).join(', ')} only applies to { type: 'events-store' } handlers`,
    );
  }
}
