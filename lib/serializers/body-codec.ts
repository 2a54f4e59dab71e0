import { type Tags } from '../kubemq/messages';

/**
 * The tag our senders add so that our receivers restore the exact type:
 * `json` (JSON text), `text` (a string sent as UTF-8), `binary` (bytes as
 * sent), `none` (no value, e.g. a handler that returned undefined),
 * `serialized` (the bytes a custom `serializer` made: only a `deserializer`
 * reads them; without one they arrive as a Buffer, never misread as text or JSON).
 */
export const BODY_FORMAT_TAG = 'nestjs-kubemq.body';

export type BodyFormat = 'json' | 'text' | 'binary' | 'none' | 'serialized';

/** A value turned into a KubeMQ Body, with the format tag to send beside it. */
export interface EncodedBody {
  body: Buffer;
  format: BodyFormat;
}

const EMPTY = Buffer.alloc(0);
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Encodes a value: Buffers and Uint8Arrays as-is, strings as UTF-8,
 * `undefined` as an empty body, everything else as JSON.
 *
 * @throws TypeError when the value cannot be written as JSON (circular, BigInt).
 */
export function encodeBody(value: unknown): EncodedBody {
  if (value === undefined) return { body: EMPTY, format: 'none' };
  if (typeof value === 'string') return { body: Buffer.from(value, 'utf8'), format: 'text' };
  if (Buffer.isBuffer(value)) return { body: value, format: 'binary' };
  if (value instanceof Uint8Array) {
    return {
      body: Buffer.from(value.buffer, value.byteOffset, value.byteLength),
      format: 'binary',
    };
  }
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    // Circular structures and BigInts: say what could not be sent.
    throw new TypeError(`value cannot be sent as JSON: ${(error as Error).message}`);
  }
  // JSON.stringify gives undefined for functions and symbols: nothing to send.
  if (json === undefined) return { body: EMPTY, format: 'none' };
  return { body: Buffer.from(json, 'utf8'), format: 'json' };
}

/**
 * Decodes a Body. With our format tag the original type comes back exactly
 * (`serialized` bodies as the Buffer they are). Without it (a foreign
 * sender): JSON when it parses, else a UTF-8 string when valid, else a
 * Buffer. Never throws.
 */
export function decodeBody(body: Uint8Array | undefined, format?: string): unknown {
  const bytes = body ?? EMPTY;
  switch (format) {
    case 'none':
      return undefined;
    case 'binary':
    case 'serialized':
      return toBuffer(bytes);
    case 'text':
      return toBuffer(bytes).toString('utf8');
    case 'json':
      return parseOr(bytes, () => toBuffer(bytes).toString('utf8'));
    default:
      return sniff(bytes);
  }
}

/** Reads the format tag from a message's tags. */
export function bodyFormatOf(tags: Tags | undefined): string | undefined {
  return tags ? tags[BODY_FORMAT_TAG] : undefined;
}

function sniff(bytes: Uint8Array): unknown {
  if (bytes.length === 0) return undefined;
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return toBuffer(bytes);
  }
  // A failed JSON.parse costs a thrown exception (microseconds); most plain
  // text cannot be JSON by its first character.
  if (!mayBeJson(text)) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** False when `text` cannot be JSON: its first non-blank character starts no JSON value. */
function mayBeJson(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    // JSON's white space: space, tab, line feed, carriage return.
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) continue;
    // { [ " - 0-9 t f n
    return (
      c === 0x7b ||
      c === 0x5b ||
      c === 0x22 ||
      c === 0x2d ||
      (c >= 0x30 && c <= 0x39) ||
      c === 0x74 ||
      c === 0x66 ||
      c === 0x6e
    );
  }
  return false;
}

function parseOr(bytes: Uint8Array, fallback: () => unknown): unknown {
  try {
    return JSON.parse(toBuffer(bytes).toString('utf8')) as unknown;
  } catch {
    return fallback();
  }
}

/** The bytes of a Body as a Buffer, without copying. */
export function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
