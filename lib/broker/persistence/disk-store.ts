import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { KubeMQBrokerStore } from '../broker-store';
import type { StoredEvent } from '../events-store/channel-log';
import type { EventsStoreObserver } from '../events-store/events-store-data';
import type { QueueEntry } from '../queues/channel-queue';
import type { DelayedMessage, QueueStoreObserver } from '../queues/queue-store';
import { DataDirLock } from './data-dir-lock';
import { JournalFile } from './journal-file';
import { decodeJournal } from './record-lines';
import { snapshotRecords } from './store-snapshot';
import { JournalFormatError, replayJournal } from './store-replay';
import {
  eventRecord,
  parkedRecord,
  positionRecord,
  queueMessageRecord,
  queueRemovedRecord,
  queueSubscribedRecord,
  unparkedRecord,
} from './store-records';

/** The journal's file name inside the data directory. */
export const JOURNAL_FILE = 'broker-store.journal';

/** How often the events-store positions that moved are written. */
const POSITIONS_EVERY_MS = 50;

/** The journal is rewritten as a snapshot once it is this big and 4 times the last snapshot. */
const MIN_COMPACT_BYTES = 64 * 1024 * 1024;

/**
 * A KubeMQBrokerStore kept on disk, as a real KubeMQ keeps its `--dir`: a
 * broker killed at any moment (SIGKILL included) and started again on the
 * same directory carries on with its events store and queues.
 *
 * Write-ahead rule: what the broker confirms to a sender (a stored event's
 * Result, a queue send's result, a delayed message parked) is in the
 * journal before the confirmation leaves. Settlements are written lazily: a
 * queue message acked or moved at the end of the event-loop turn it
 * happened in (with all of that turn's, in one write), an events-store
 * subscription's position within {@link POSITIONS_EVERY_MS} ms. A kill in
 * between loses only those, which means a redelivery: an acked queue
 * message comes back, an events-store subscriber resumes a little before
 * where it was (at-least-once, never a loss). What consumers held when the
 * broker died is ready again at once, in place.
 *
 * Opening replays the journal (a damaged or unfinished last record is
 * skipped with a warning) and rewrites it as a snapshot of the store, so it
 * never grows beyond a few times what the store holds.
 */
export class DiskStore implements EventsStoreObserver, QueueStoreObserver {
  readonly store = new KubeMQBrokerStore();
  /** What was skipped while reading the journal back, one line each. */
  readonly warnings: string[] = [];
  private readonly journal: JournalFile;
  private readonly lock: DataDirLock;
  private readonly writtenPositions = new Map<string, number>();
  private readonly parkedIds = new WeakMap<DelayedMessage, number>();
  private nextParkedId = 1;
  private compactAt = MIN_COMPACT_BYTES;
  private readonly timer: NodeJS.Timeout;
  private closed = false;

  private constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.lock = DataDirLock.take(dir);
    try {
      const path = join(dir, JOURNAL_FILE);
      rmSync(`${path}.rewrite`, { force: true });
      this.load(path);
      this.journal = new JournalFile(path);
      this.compact();
    } catch (error) {
      this.lock.release();
      throw error;
    }
    this.store.eventsStore.observe(this);
    this.store.queues.observe(this);
    this.timer = setInterval(() => this.flushLazy(), POSITIONS_EVERY_MS);
    this.timer.unref();
  }

  /** Opens (creating when needed) the store kept in `dir`. */
  static open(dir: string): DiskStore {
    return new DiskStore(resolve(dir));
  }

  stored(event: StoredEvent): void {
    this.journal.append(eventRecord(event), true);
  }

  appended(queue: string, entry: QueueEntry): void {
    this.journal.append(queueMessageRecord(queue, entry.message), true);
  }

  removed(queue: string, sequence: number): void {
    this.journal.append(queueRemovedRecord(queue, sequence), false);
  }

  subscribed(queue: string): void {
    this.journal.append(queueSubscribedRecord(queue), false);
  }

  parked(delayed: DelayedMessage): void {
    this.journal.append(parkedRecord(this.parkedId(delayed), delayed.dueAt, delayed.message), true);
  }

  unparked(delayed: readonly DelayedMessage[]): void {
    const ids = delayed.map((one) => this.parkedIds.get(one)).filter((id) => id !== undefined);
    this.journal.append(unparkedRecord(ids), false);
  }

  /** Writes everything still in memory and lets go of the directory. Safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.store.eventsStore.observe(undefined);
    this.store.queues.observe(undefined);
    this.writePositions();
    this.journal.close();
    this.lock.release();
  }

  private load(path: string): void {
    if (!existsSync(path)) return;
    const { records, skipped } = decodeJournal(readFileSync(path));
    if (records.length === 0 && skipped.some((line) => !line.reason.startsWith('truncated'))) {
      throw new Error(
        `cannot read the broker store ${path}: its first line is not a broker store header`,
      );
    }
    const where = `${path}, line`;
    for (const { line, offset, reason } of skipped) {
      this.warnings.push(`skipped ${where} ${line} (byte ${offset}): ${reason}`);
    }
    try {
      replayJournal(this.store, records, (line, problem) =>
        this.warnings.push(`skipped ${where} ${line}: ${problem}`),
      );
    } catch (error) {
      if (!(error instanceof JournalFormatError)) throw error;
      throw new Error(`cannot read the broker store ${path}: ${error.message}`);
    }
  }

  private parkedId(delayed: DelayedMessage): number {
    let id = this.parkedIds.get(delayed);
    if (id === undefined) {
      id = this.nextParkedId++;
      this.parkedIds.set(delayed, id);
    }
    return id;
  }

  private flushLazy(): void {
    this.writePositions();
    this.journal.flush();
    if (this.journal.bytes >= this.compactAt) this.compact();
  }

  /** Positions that moved since they were last written. */
  private writePositions(): void {
    for (const [key, { next }] of this.store.eventsStore.positionEntries()) {
      if (this.writtenPositions.get(key) === next) continue;
      this.writtenPositions.set(key, next);
      this.journal.append(positionRecord(key, next), false);
    }
  }

  /** Rewrites the journal as a snapshot of the store. */
  private compact(): void {
    for (const [key, { next }] of this.store.eventsStore.positionEntries()) {
      this.writtenPositions.set(key, next);
    }
    this.journal.rewrite(snapshotRecords(this.store, (delayed) => this.parkedId(delayed)));
    this.compactAt = Math.max(MIN_COMPACT_BYTES, this.journal.bytes * 4);
  }
}
