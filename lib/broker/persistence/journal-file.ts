import { closeSync, fstatSync, openSync, renameSync, writeSync } from 'node:fs';
import { encodeRecord, type JournalRecord } from './record-lines';

/**
 * The broker's journal on disk: records appended in the order they happen.
 * `urgent` records (what a sender is about to be told is stored) are
 * written before the call returns, together with every record before them;
 * others wait in memory until the next urgent record or the end of the
 * current event-loop turn (one write for all of a turn's). So the file
 * always holds a prefix of what happened, and a process killed at any point
 * leaves a state that was true at some moment, with nothing confirmed
 * missing. No fsync: a killed process's writes are in the page cache
 * already; only a machine crash could lose them.
 */
export class JournalFile {
  private fd: number;
  private pending: string[] = [];
  private size: number;
  private flushSoon: NodeJS.Immediate | undefined;
  private closed = false;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'a');
    this.size = fstatSync(this.fd).size;
  }

  /** Bytes written to the file so far. */
  get bytes(): number {
    return this.size;
  }

  /** Appends `record`; an urgent one reaches the file before this returns. */
  append(record: JournalRecord, urgent: boolean): void {
    this.pending.push(encodeRecord(record));
    if (urgent) this.flush();
    else this.flushSoon ??= setImmediate(() => this.flush());
  }

  /** Writes every pending record. */
  flush(): void {
    if (this.flushSoon) clearImmediate(this.flushSoon);
    this.flushSoon = undefined;
    if (this.pending.length === 0 || this.closed) return;
    const chunk = Buffer.from(this.pending.length === 1 ? this.pending[0] : this.pending.join(''));
    this.pending = [];
    writeFully(this.fd, chunk);
    this.size += chunk.length;
  }

  /**
   * Replaces the whole file with `records` (a snapshot of the store): written
   * beside it, then renamed over it, so a kill at any moment leaves either
   * the old file or the new one. Pending records are written to the old
   * file first, so a failed rewrite leaves a complete journal behind.
   */
  rewrite(records: Iterable<JournalRecord>): void {
    this.flush();
    const temporary = `${this.path}.rewrite`;
    const fd = openSync(temporary, 'w');
    let size = 0;
    let batch: string[] = [];
    let batchBytes = 0;
    const writeBatch = (): void => {
      const chunk = Buffer.from(batch.join(''));
      writeFully(fd, chunk);
      size += chunk.length;
      batch = [];
      batchBytes = 0;
    };
    try {
      for (const record of records) {
        const line = encodeRecord(record);
        batch.push(line);
        batchBytes += line.length;
        if (batchBytes >= 1 << 20) writeBatch();
      }
      writeBatch();
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, this.path);
    closeSync(this.fd);
    this.fd = openSync(this.path, 'a');
    this.size = size;
  }

  /** Writes what is pending and closes the file. */
  close(): void {
    this.flush();
    this.closed = true;
    closeSync(this.fd);
  }
}

function writeFully(fd: number, chunk: Buffer): void {
  let written = 0;
  while (written < chunk.length) written += writeSync(fd, chunk, written);
}
