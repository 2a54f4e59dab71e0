/**
 * The few protobuf wire primitives the hot messages need (varints, int64
 * as decimal strings, length-delimited strings and bytes), written for
 * speed: one Buffer per encoded message, sized before it is written.
 */

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LENGTH = 2;
export const WIRE_START_GROUP = 3;
export const WIRE_END_GROUP = 4;
export const WIRE_FIXED32 = 5;

const TWO_32 = 4_294_967_296;

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

/** Bytes of the gRPC message prefix: a compressed flag and the message length (big-endian uint32). */
export const GRPC_PREFIX_BYTES = 5;

/**
 * Bytes fields at least this long are not copied into a framed message:
 * they go out as pieces of their own (see {@link WireWriter}). Below this,
 * one more write on the HTTP/2 stream costs more than the copy.
 */
export const LARGE_BYTES_FIELD = 8_192;

/** A gRPC message as it goes on the wire: its prefix and bytes, in one Buffer or in pieces. */
export type Frame = Buffer | Buffer[];

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

/** A serialized message as a gRPC frame (one copy; for messages without a framed encoder). */
export function frameOf(message: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(GRPC_PREFIX_BYTES + message.length);
  frame[0] = 0;
  frame.writeUInt32BE(message.length, 1);
  message.copy(frame, GRPC_PREFIX_BYTES);
  return frame;
}

/** The message of a frame, without its prefix (a copy only when it is in pieces). */
export function messageOf(frame: Frame): Buffer {
  const whole = Buffer.isBuffer(frame) ? frame : Buffer.concat(frame);
  return whole.subarray(GRPC_PREFIX_BYTES);
}

/** Bytes of a frame, prefix included. */
export function frameLength(frame: Frame): number {
  if (Buffer.isBuffer(frame)) return frame.length;
  let length = 0;
  for (const piece of frame) length += piece.length;
  return length;
}

/** Reads a message from a Buffer; throws on truncated or malformed input. */
export class WireReader {
  pos = 0;
  /** Halves of the last varint read by {@link varint64}. */
  lo = 0;
  hi = 0;

  constructor(
    readonly buf: Buffer,
    readonly end: number = buf.length,
  ) {}

  get done(): boolean {
    return this.pos >= this.end;
  }

  private byte(): number {
    if (this.pos >= this.end) throw new RangeError('protobuf: index out of range');
    return this.buf[this.pos++];
  }

  /** A varint's low 32 bits, unsigned (tags, lengths, bools, enums). */
  uint32(): number {
    let value = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      const b = this.byte();
      value |= (b & 0x7f) << shift;
      if (b < 0x80) return value >>> 0;
    }
    const b = this.byte();
    value |= (b & 0x0f) << 28;
    // Skip the rest of a 10-byte varint (negative numbers).
    if (b >= 0x80) for (let i = 0; i < 5 && this.byte() >= 0x80; i += 1);
    return value >>> 0;
  }

  /** A varint as int32 (sign-extended negatives come back negative). */
  int32(): number {
    return this.uint32() | 0;
  }

  /** A full 64-bit varint into `lo` / `hi`. */
  varint64(): void {
    let lo = 0;
    let hi = 0;
    let b = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      b = this.byte();
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) return this.setParts(lo, 0);
    }
    b = this.byte();
    lo |= (b & 0x0f) << 28;
    hi = (b & 0x7f) >>> 4;
    if (b >= 0x80) {
      for (let shift = 3; shift < 32; shift += 7) {
        b = this.byte();
        hi |= (b & 0x7f) << shift;
        if (b < 0x80) break;
      }
    }
    this.setParts(lo, hi);
  }

  private setParts(lo: number, hi: number): void {
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
  }

  /** A signed int64 varint as a decimal string (protobufjs `longs: String`). */
  int64String(): string {
    this.varint64();
    const { lo, hi } = this;
    if (hi === 0) return String(lo);
    if (hi < 0x200000) return String(hi * TWO_32 + lo);
    return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo)).toString();
  }

  /** An unsigned uint64 varint as a decimal string (protobufjs `longs: String`). */
  uint64String(): string {
    this.varint64();
    const { lo, hi } = this;
    if (hi === 0) return String(lo);
    if (hi < 0x200000) return String(hi * TWO_32 + lo);
    return ((BigInt(hi) << 32n) | BigInt(lo)).toString();
  }

  bool(): boolean {
    return this.uint32() !== 0;
  }

  private length(): number {
    const length = this.uint32();
    if (this.pos + length > this.end) throw new RangeError('protobuf: index out of range');
    return length;
  }

  string(): string {
    const length = this.length();
    const start = this.pos;
    this.pos += length;
    return this.buf.toString('utf8', start, start + length);
  }

  /** Bytes as a Buffer view of the input (no copy, as protobufjs does in Node). */
  bytes(): Buffer {
    const length = this.length();
    const start = this.pos;
    this.pos += length;
    return this.buf.subarray(start, start + length);
  }

  /** A nested message: a reader over its bytes. */
  nested(): WireReader {
    const length = this.length();
    const reader = new WireReader(this.buf, this.pos + length);
    reader.pos = this.pos;
    this.pos += length;
    return reader;
  }

  /** Skips a field of an unknown number. */
  skip(wireType: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.varint64();
        return;
      case WIRE_FIXED64:
        this.advance(8);
        return;
      case WIRE_LENGTH:
        this.advance(this.length());
        return;
      case WIRE_START_GROUP:
        for (;;) {
          const tag = this.uint32();
          if ((tag & 7) === WIRE_END_GROUP) return;
          this.skip(tag & 7);
        }
      case WIRE_FIXED32:
        this.advance(4);
        return;
      default:
        throw new Error(`protobuf: invalid wire type ${wireType} at offset ${this.pos}`);
    }
  }

  private advance(count: number): void {
    if (this.pos + count > this.end) throw new RangeError('protobuf: index out of range');
    this.pos += count;
  }
}
