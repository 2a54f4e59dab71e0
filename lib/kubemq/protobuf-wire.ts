/**
 * The few protobuf wire primitives the hot messages need (varints, int64
 * as decimal strings, length-delimited strings and bytes), written for
 * speed: one Buffer per encoded message, sized before it is written.
 */

import { GRPC_PREFIX_BYTES, type Frame } from './grpc-frame';

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LENGTH = 2;
export const WIRE_START_GROUP = 3;
export const WIRE_END_GROUP = 4;
export const WIRE_FIXED32 = 5;

/** 2^32, to join the halves of a 64-bit value. */
export const TWO_32 = 4_294_967_296;

/** Bytes of an unsigned varint below 2^32. */
export function varint32Size(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  return 5;
}

/** UTF-8 length of a string (no native call for short ASCII strings). */
export function utf8Length(text: string): number {
  const length = text.length;
  if (length > 64) return Buffer.byteLength(text, 'utf8');
  for (let i = 0; i < length; i += 1) {
    if (text.charCodeAt(i) > 0x7f) return Buffer.byteLength(text, 'utf8');
  }
  return length;
}

/** A signed 64-bit integer split into 32-bit halves (two's complement). */
export interface Int64Parts {
  lo: number;
  hi: number;
}

/**
 * An int64 given as a decimal string, number or bigint, as two halves
 * (what protobufjs accepts for `longs: String` fields). Invalid input is 0.
 */
export function int64Parts(value: unknown): Int64Parts {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && value >= 0) {
      return { lo: value >>> 0, hi: Math.floor(value / TWO_32) >>> 0 };
    }
    if (!Number.isFinite(value)) return { lo: 0, hi: 0 };
    return bigintParts(BigInt(Math.trunc(value)));
  }
  if (typeof value === 'string') {
    if (value.length < 16 && /^\d+$/.test(value)) return int64Parts(Number(value));
    try {
      return bigintParts(BigInt(value.trim() === '' ? '0' : value));
    } catch {
      return { lo: 0, hi: 0 };
    }
  }
  if (typeof value === 'bigint') return bigintParts(value);
  if (value && typeof value === 'object' && 'low' in value && 'high' in value) {
    const long = value as { low: number; high: number };
    return { lo: long.low >>> 0, hi: long.high >>> 0 };
  }
  return { lo: 0, hi: 0 };
}

function bigintParts(value: bigint): Int64Parts {
  const unsigned = BigInt.asUintN(64, value);
  return { lo: Number(unsigned & 0xffffffffn), hi: Number(unsigned >> 32n) };
}

/** Bytes of the varint of a 64-bit value. */
export function varint64Size({ lo, hi }: Int64Parts): number {
  if (hi === 0) return varint32Size(lo);
  let size = 5;
  let rest = hi >>> 3;
  while (rest !== 0) {
    size += 1;
    rest >>>= 7;
  }
  return size;
}

/**
 * Bytes fields at least this long are not copied into a framed message:
 * they go out as pieces of their own (see {@link WireWriter}). Below this,
 * one more write on the HTTP/2 stream costs more than the copy.
 */
export const LARGE_BYTES_FIELD = 8_192;

/**
 * Writes into a Buffer allocated at the final size. A framed writer starts
 * with the gRPC message prefix and leaves bytes fields of
 * {@link LARGE_BYTES_FIELD} or more where they are: the message is then a
 * list of pieces (the caller's Buffer among them) instead of a copy.
 */
export class WireWriter {
  readonly buf: Buffer;
  pos = 0;
  private pieces: Buffer[] | undefined;
  private pieceStart = 0;

  /**
   * @param size the message's length in bytes
   * @param framed start with the gRPC prefix
   * @param external bytes of the large fields that will stay pieces of their own (framed only)
   */
  constructor(
    size: number,
    private readonly framed = false,
    external = 0,
  ) {
    if (!framed) {
      this.buf = Buffer.allocUnsafe(size);
      return;
    }
    this.buf = Buffer.allocUnsafe(GRPC_PREFIX_BYTES + size - external);
    this.buf[0] = 0;
    this.buf.writeUInt32BE(size, 1);
    this.pos = GRPC_PREFIX_BYTES;
  }

  /** True when `bytes` would stay a piece of its own rather than be copied. */
  keepsApart(bytes: Uint8Array): boolean {
    return this.framed && bytes.length >= LARGE_BYTES_FIELD;
  }

  /** The written message (framed: as pieces when a large field stayed apart). */
  frame(): Frame {
    const pieces = this.pieces;
    if (!pieces) return this.buf;
    if (this.pieceStart < this.pos) pieces.push(this.buf.subarray(this.pieceStart, this.pos));
    return pieces;
  }

  varint32(value: number): void {
    let rest = value >>> 0;
    while (rest > 0x7f) {
      this.buf[this.pos++] = (rest & 0x7f) | 0x80;
      rest >>>= 7;
    }
    this.buf[this.pos++] = rest;
  }

  varint64({ lo, hi }: Int64Parts): void {
    let low = lo >>> 0;
    let high = hi >>> 0;
    while (high !== 0) {
      this.buf[this.pos++] = (low & 0x7f) | 0x80;
      low = ((low >>> 7) | (high << 25)) >>> 0;
      high >>>= 7;
    }
    this.varint32(low);
  }

  tag(field: number, wireType: number): void {
    this.varint32((field << 3) | wireType);
  }

  /** A length-delimited string whose UTF-8 length is already known. */
  string(field: number, text: string, byteLength: number): void {
    this.tag(field, WIRE_LENGTH);
    this.varint32(byteLength);
    if (byteLength === text.length && byteLength <= 64) {
      for (let i = 0; i < byteLength; i += 1) this.buf[this.pos + i] = text.charCodeAt(i);
    } else {
      this.buf.write(text, this.pos, byteLength, 'utf8');
    }
    this.pos += byteLength;
  }

  bytes(field: number, bytes: Uint8Array): void {
    this.tag(field, WIRE_LENGTH);
    this.varint32(bytes.length);
    if (this.keepsApart(bytes)) {
      const pieces = (this.pieces ??= []);
      pieces.push(this.buf.subarray(this.pieceStart, this.pos), asBuffer(bytes));
      this.pieceStart = this.pos;
      return;
    }
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
