import {
  TWO_32,
  WIRE_END_GROUP,
  WIRE_FIXED32,
  WIRE_FIXED64,
  WIRE_LENGTH,
  WIRE_START_GROUP,
  WIRE_VARINT,
} from './protobuf-wire';

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
