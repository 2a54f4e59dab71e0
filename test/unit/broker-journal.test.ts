// The broker's journal format (lib/broker/persistence): lines with a checksum, what is skipped.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeJournal, encodeRecord } from '../../lib/broker/persistence/record-lines';
import { eventRecord, readEvent } from '../../lib/broker/persistence/store-records';

describe('broker journal lines', () => {
  const a = encodeRecord({ t: 'p', k: 'a', n: 1 });
  const b = encodeRecord({ t: 'p', k: 'b\nwith a line break', n: 2 });

  it('reads back what it wrote, a line each, even with line breaks inside values', () => {
    const { records, skipped } = decodeJournal(Buffer.from(a + b));
    assert.deepEqual(skipped, []);
    assert.deepEqual(
      records.map(({ line, record }) => [line, record.k]),
      [
        [1, 'a'],
        [2, 'b\nwith a line break'],
      ],
    );
  });

  it('skips a last line without its end (a write cut short) and says so', () => {
    const { records, skipped } = decodeJournal(Buffer.from(a + b.slice(0, 10)));
    assert.equal(records.length, 1);
    assert.deepEqual(skipped, [
      {
        line: 2,
        offset: a.length,
        reason: 'truncated: its last 10 bytes have no end of line (a write cut short)',
      },
    ]);
  });

  it('skips damaged lines (checksum, JSON, no record) and keeps reading after them', () => {
    const flipped = a.replace('"a"', '"z"');
    const text = [flipped, 'not a record\n', `${'0'.repeat(8)} [1]\n`, b].join('');
    const { records, skipped } = decodeJournal(Buffer.from(text));
    assert.deepEqual(
      records.map(({ line }) => line),
      [4],
    );
    assert.deepEqual(
      skipped.map(({ line, reason }) => [line, reason]),
      [
        [1, 'corrupt: checksum mismatch'],
        [2, 'corrupt: no checksum at the start of the line'],
        [3, 'corrupt: checksum mismatch'],
      ],
    );
  });

  it('keeps an event exactly: binary body, int64 time, a tag named __proto__', () => {
    const tags = JSON.parse('{"__proto__":"x","k":"v"}') as Record<string, string>;
    const stored = {
      at: 1764385332469123456n,
      receive: {
        EventID: 'e1',
        Channel: 'c',
        Metadata: 'm',
        Body: Buffer.from([0, 255, 10, 13]),
        Timestamp: '1764385332469123456',
        Sequence: '7',
        Tags: tags,
      },
    };
    const line = encodeRecord(eventRecord(stored));
    const [{ record }] = decodeJournal(Buffer.from(line)).records;
    const back = readEvent(record);
    assert.equal(back.at, stored.at);
    assert.deepEqual(Buffer.from(back.receive.Body), stored.receive.Body);
    assert.deepEqual(Object.entries(back.receive.Tags), [
      ['__proto__', 'x'],
      ['k', 'v'],
    ]);
    assert.equal(back.receive.Sequence, '7');
  });
});
