/**
 * JSON the way the real server's REST face reads it (Go's `encoding/json`
 * behind labstack echo): a reader that keeps numbers as their source text
 * (int64 nanosecond values must not lose precision) and byte offsets, with
 * Go's syntax error texts.
 */
import { GoJsonEndOfInput, GoJsonSyntaxError, quoteGoChar } from './go-json-errors';
import { BACKSLASH, QUOTE } from './json-char-codes';
import type { JsonEntry, JsonNode } from './json-node';

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isHex(c: number): boolean {
  return isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

/**
 * Reads the first JSON value of `input` as Go's `json.Decoder.Decode` does:
 * leading white space is skipped and anything after the value is ignored.
 *
 * @throws GoJsonSyntaxError for malformed JSON, GoJsonEndOfInput for
 *   empty (`EOF`) or truncated (`unexpected EOF`) input.
 */
export function readFirstJsonValue(input: Buffer): JsonNode {
  return new Reader(input).top();
}

class Reader {
  private pos = 0;

  constructor(private readonly buf: Buffer) {}

  top(): JsonNode {
    this.skipSpace();
    if (this.pos >= this.buf.length) throw new GoJsonEndOfInput('EOF');
    return this.value();
  }

  private fail(context: string): never {
    const c = this.buf[this.pos];
    throw new GoJsonSyntaxError(`invalid character ${quoteGoChar(c)} ${context}`, this.pos + 1);
  }

  /** The byte at the cursor; running out of input mid-value is `unexpected EOF`. */
  private peek(): number {
    if (this.pos >= this.buf.length) throw new GoJsonEndOfInput('unexpected EOF');
    return this.buf[this.pos];
  }

  private skipSpace(): void {
    while (this.pos < this.buf.length && isSpace(this.buf[this.pos])) this.pos += 1;
  }

  private value(): JsonNode {
    this.skipSpace();
    const c = this.peek();
    const start = this.pos;
    switch (c) {
      case 0x7b:
        return this.object();
      case 0x5b:
        return this.array();
      case QUOTE:
        return { kind: 'string', start, value: this.string(), end: this.pos };
      case 0x74:
        this.literal('true');
        return { kind: 'bool', start, end: this.pos, value: true };
      case 0x66:
        this.literal('false');
        return { kind: 'bool', start, end: this.pos, value: false };
      case 0x6e:
        this.literal('null');
        return { kind: 'null', start, end: this.pos };
      default:
        if (c === 0x2d || isDigit(c)) {
          this.number();
          return { kind: 'number', start, end: this.pos, text: this.text(start, this.pos) };
        }
        return this.fail('looking for beginning of value');
    }
  }

  private object(): JsonNode {
    const start = this.pos;
    this.pos += 1; // {
    const entries: JsonEntry[] = [];
    this.skipSpace();
    if (this.peek() === 0x7d) {
      this.pos += 1;
      return { kind: 'object', start, end: this.pos, entries };
    }
    for (;;) {
      this.skipSpace();
      if (this.peek() !== QUOTE) this.fail('looking for beginning of object key string');
      const key = this.string();
      this.skipSpace();
      if (this.peek() !== 0x3a) this.fail('after object key');
      this.pos += 1;
      entries.push({ key, value: this.value() });
      this.skipSpace();
      const next = this.peek();
      if (next === 0x2c) {
        this.pos += 1;
        continue;
      }
      if (next === 0x7d) {
        this.pos += 1;
        return { kind: 'object', start, end: this.pos, entries };
      }
      this.fail('after object key:value pair');
    }
  }

  private array(): JsonNode {
    const start = this.pos;
    this.pos += 1; // [
    const items: JsonNode[] = [];
    this.skipSpace();
    if (this.peek() === 0x5d) {
      this.pos += 1;
      return { kind: 'array', start, end: this.pos, items };
    }
    for (;;) {
      items.push(this.value());
      this.skipSpace();
      const next = this.peek();
      if (next === 0x2c) {
        this.pos += 1;
        continue;
      }
      if (next === 0x5d) {
        this.pos += 1;
        return { kind: 'array', start, end: this.pos, items };
      }
      this.fail('after array element');
    }
  }

  /** A string literal at the cursor (on its opening quote); returns its value. */
  private string(): string {
    this.pos += 1; // opening quote
    let out = '';
    let runStart = this.pos;
    for (;;) {
      const c = this.peek();
      if (c === QUOTE) {
        out += this.text(runStart, this.pos);
        this.pos += 1;
        return out;
      }
      if (c < 0x20) this.fail('in string literal');
      if (c !== BACKSLASH) {
        this.pos += 1;
        continue;
      }
      out += this.text(runStart, this.pos);
      this.pos += 1;
      out += this.escape();
      runStart = this.pos;
    }
  }

  private escape(): string {
    const c = this.peek();
    this.pos += 1;
    switch (c) {
      case QUOTE:
        return '"';
      case BACKSLASH:
        return '\\';
      case 0x2f:
        return '/';
      case 0x62:
        return '\b';
      case 0x66:
        return '\f';
      case 0x6e:
        return '\n';
      case 0x72:
        return '\r';
      case 0x74:
        return '\t';
      case 0x75: {
        for (let i = 0; i < 4; i += 1) {
          if (!isHex(this.peek())) this.fail('in \\u hexadecimal character escape');
          this.pos += 1;
        }
        return String.fromCharCode(parseInt(this.text(this.pos - 4, this.pos), 16));
      }
      default:
        this.pos -= 1;
        return this.fail('in string escape code');
    }
  }

  private number(): void {
    if (this.buf[this.pos] === 0x2d) {
      this.pos += 1;
      if (!isDigit(this.peek())) this.fail('in numeric literal');
    }
    if (this.buf[this.pos] === 0x30) {
      this.pos += 1;
    } else {
      while (this.pos < this.buf.length && isDigit(this.buf[this.pos])) this.pos += 1;
    }
    if (this.pos < this.buf.length && this.buf[this.pos] === 0x2e) {
      this.pos += 1;
      if (!isDigit(this.peek())) this.fail('after decimal point in numeric literal');
      while (this.pos < this.buf.length && isDigit(this.buf[this.pos])) this.pos += 1;
    }
    if (this.pos < this.buf.length && (this.buf[this.pos] | 0x20) === 0x65) {
      this.pos += 1;
      const sign = this.peek();
      if (sign === 0x2b || sign === 0x2d) this.pos += 1;
      if (!isDigit(this.peek())) this.fail('in exponent of numeric literal');
      while (this.pos < this.buf.length && isDigit(this.buf[this.pos])) this.pos += 1;
    }
  }

  private literal(word: string): void {
    this.pos += 1; // first letter already matched
    for (let i = 1; i < word.length; i += 1) {
      if (this.peek() !== word.charCodeAt(i)) {
        this.fail(`in literal ${word} (expecting '${word[i]}')`);
      }
      this.pos += 1;
    }
  }

  private text(from: number, to: number): string {
    return this.buf.toString('utf8', from, to);
  }
}
