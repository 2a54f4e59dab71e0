import { crc32 } from 'node:zlib';

/**
 * The journal's line format: one record per line, `<crc32 hex> <json>\n`.
 * JSON never holds a raw line break, so a damaged record costs only its own
 * line, and the checksum tells a damaged line from a good one.
 */

/** A record as written: a plain JSON object with a type tag. */
export interface JournalRecord {
  readonly t: string;
  readonly [field: string]: unknown;
}

/** One line of the journal for `record`, newline included. */
export function encodeRecord(record: JournalRecord): string {
  const json = JSON.stringify(record);
  return `${checksum(json)} ${json}\n`;
}

function checksum(json: string): string {
  return crc32(json).toString(16).padStart(8, '0');
}

/** A line that could not be read, and why. */
export interface SkippedLine {
  /** 1-based line number. */
  line: number;
  /** Byte offset of the line in the file. */
  offset: number;
  reason: string;
}

/** A record read back, with the line it came from. */
export interface ReadRecord {
  line: number;
  record: JournalRecord;
}

/** What reading a journal gave: its records in order, and the lines skipped. */
export interface DecodedJournal {
  records: ReadRecord[];
  skipped: SkippedLine[];
}

/**
 * Reads every record of a journal's bytes. A line with a wrong checksum or
 * broken JSON is skipped, as is a last line without its newline (a write
 * the broker never finished, so never confirmed); both are reported.
 */
export function decodeJournal(bytes: Buffer): DecodedJournal {
  const records: ReadRecord[] = [];
  const skipped: SkippedLine[] = [];
  let offset = 0;
  let line = 0;
  while (offset < bytes.length) {
    line += 1;
    const end = bytes.indexOf(0x0a, offset);
    if (end < 0) {
      skipped.push({
        line,
        offset,
        reason: `truncated: its last ${bytes.length - offset} bytes have no end of line (a write cut short)`,
      });
      break;
    }
    const text = bytes.toString('utf8', offset, end);
    const record = decodeLine(text);
    if (typeof record === 'string') skipped.push({ line, offset, reason: record });
    else records.push({ line, record });
    offset = end + 1;
  }
  return { records, skipped };
}

/** The record of one line, or why it cannot be read. */
function decodeLine(text: string): JournalRecord | string {
  const space = text.indexOf(' ');
  if (space !== 8) return 'corrupt: no checksum at the start of the line';
  const json = text.slice(9);
  if (checksum(json) !== text.slice(0, 8)) return 'corrupt: checksum mismatch';
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return 'corrupt: not JSON';
  }
  if (!value || typeof value !== 'object' || typeof (value as { t?: unknown }).t !== 'string') {
    return 'corrupt: not a record';
  }
  return value as JournalRecord;
}
