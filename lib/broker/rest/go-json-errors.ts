/**
 * How Go's `encoding/json` decoder fails: its error types and how it shows a
 * byte in "invalid character ..." texts.
 */
import { QUOTE } from './json-char-codes';

/** Go's `*json.SyntaxError`: `offset` counts the bytes read, the bad one included. */
export class GoJsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'GoJsonSyntaxError';
  }
}

/** The other ways Go's json.Decoder fails to read a value: `EOF` and `unexpected EOF`. */
export class GoJsonEndOfInput extends Error {
  constructor(message: 'EOF' | 'unexpected EOF') {
    super(message);
    this.name = 'GoJsonEndOfInput';
  }
}

/** Go's `quoteChar`: how a byte is shown in "invalid character ..." texts. */
export function quoteGoChar(c: number): string {
  if (c === 0x27) return `'\\''`;
  if (c === QUOTE) return `'"'`;
  const named: Record<number, string> = {
    0x07: '\\a',
    0x08: '\\b',
    0x0c: '\\f',
    0x0a: '\\n',
    0x0d: '\\r',
    0x09: '\\t',
    0x0b: '\\v',
    0x5c: '\\\\',
  };
  if (named[c] !== undefined) return `'${named[c]}'`;
  if (c < 0x20 || c === 0x7f) return `'\\x${c.toString(16).padStart(2, '0')}'`;
  // A byte is read as the rune U+00XX; Go prints the non-printable ones escaped.
  if ((c >= 0x80 && c <= 0xa0) || c === 0xad) return `'\\u00${c.toString(16)}'`;
  return `'${String.fromCharCode(c)}'`;
}
