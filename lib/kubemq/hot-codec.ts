import {
  emptyRequest,
  emptyResponse,
  type KubeMQRequest,
  type KubeMQResponse,
  type Tags,
} from './messages';
import {
  int64Parts,
  LARGE_BYTES_FIELD,
  utf8Length,
  varint32Size,
  varint64Size,
  WIRE_LENGTH,
  WIRE_VARINT,
  WireWriter,
} from './protobuf-wire';
import { type Frame } from './grpc-frame';
import { WireReader } from './wire-reader';

/**
 * Hand-written codec of the two messages every request carries twice
 * (Request and Response), with the field numbers of protos/kubemq.proto.
 * Decoding gives exactly what proto-loader gives with the transport's
 * options (every field present with its default, int64 as a decimal
 * string, bytes as Buffer, map as a plain object); encoding accepts what
 * proto-loader accepts for the values the transport and broker use.
 */

const EMPTY = Buffer.alloc(0);
const REQUEST_TYPES: Record<string, number> = { RequestTypeUnknown: 0, Command: 1, Query: 2 };

export function text(value: unknown): string {
  return value === undefined || value === null ? '' : String(value);
}

export function bytesOf(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (value === undefined || value === null) return EMPTY;
  // protobufjs reads a string given for a bytes field as base64.
  if (typeof value === 'string') return Buffer.from(value, 'base64');
  if (Array.isArray(value)) return Buffer.from(value as number[]);
  throw new TypeError('bytes field must be a Uint8Array');
}

function enumValue(value: unknown): number {
  if (typeof value === 'string' && value in REQUEST_TYPES) return REQUEST_TYPES[value];
  return Number(value) | 0;
}

/** Bytes of a length-delimited field (numbers 1–15) of `length` bytes; 0 when empty (not sent). */
export function fieldSize(length: number): number {
  return length === 0 ? 0 : 1 + varint32Size(length) + length;
}

/** Bytes of an int32 or enum field (numbers 1–15); 0 when zero (not sent). Negatives take 10 bytes. */
function varintFieldSize(value: number): number {
  if (value === 0) return 0;
  return value > 0 ? 1 + varint32Size(value) : 11;
}

export type TagEntry = [key: string, value: string, keyLength: number, valueLength: number];

/** Entries of frozen tag objects: senders reuse a few of those (e.g. one per body format) on every message. */
const frozenTagEntries = new WeakMap<object, TagEntry[] | undefined>();

export function tagEntries(tags: unknown): TagEntry[] | undefined {
  if (!tags || typeof tags !== 'object') return undefined;
  if (!Object.isFrozen(tags)) return entriesOf(tags);
  if (frozenTagEntries.has(tags)) return frozenTagEntries.get(tags);
  const entries = entriesOf(tags);
  // Only plain strings are sure to read the same next time.
  const values = tags as Record<string, unknown>;
  if (Object.keys(values).every((key) => typeof values[key] === 'string')) {
    frozenTagEntries.set(tags, entries);
  }
  return entries;
}

function entriesOf(tags: object): TagEntry[] | undefined {
  let entries: TagEntry[] | undefined;
  for (const key in tags) {
    if (!Object.prototype.hasOwnProperty.call(tags, key)) continue;
    const value = text((tags as Record<string, unknown>)[key]);
    (entries ??= []).push([key, value, utf8Length(key), utf8Length(value)]);
  }
  return entries;
}

function entryLength(entry: TagEntry): number {
  return 1 + varint32Size(entry[2]) + entry[2] + 1 + varint32Size(entry[3]) + entry[3];
}

export function tagsSize(entries: TagEntry[] | undefined): number {
  if (!entries) return 0;
  let size = 0;
  for (const entry of entries) size += fieldSize(entryLength(entry));
  return size;
}

export function writeTags(w: WireWriter, field: number, entries: TagEntry[] | undefined): void {
  if (!entries) return;
  for (const entry of entries) {
    w.tag(field, WIRE_LENGTH);
    w.varint32(entryLength(entry));
    w.string(1, entry[0], entry[2]);
    w.string(2, entry[1], entry[3]);
  }
}

export function writeString(w: WireWriter, field: number, value: string, length: number): void {
  if (length > 0) w.string(field, value, length);
}

export function writeBytes(w: WireWriter, field: number, bytes: Uint8Array): void {
  if (bytes.length > 0) w.bytes(field, bytes);
}

/** An int32, enum or bool field; negatives are sign-extended to 64 bits, as protobuf requires. */
export function writeVarint(w: WireWriter, field: number, value: number): void {
  if (value === 0) return;
  w.tag(field, WIRE_VARINT);
  if (value > 0) w.varint32(value);
  else w.varint64({ lo: value >>> 0, hi: 0xffffffff });
}

/** Bytes of the large fields a framed writer leaves apart (see WireWriter). */
export function apartBytes(framed: boolean, ...fields: Uint8Array[]): number {
  if (!framed) return 0;
  let apart = 0;
  for (const field of fields) if (field.length >= LARGE_BYTES_FIELD) apart += field.length;
  return apart;
}

/** Encodes a Request (field numbers 1–12 of `message Request`). */
export function serializeRequest(request: KubeMQRequest): Buffer {
  return writeRequest(request, false) as Buffer;
}

/** A Request as its gRPC frame, a large Body not copied (see WireWriter). */
export function frameRequest(request: KubeMQRequest): Frame {
  return writeRequest(request, true);
}

function writeRequest(request: KubeMQRequest, framed: boolean): Frame {
  const m = request as unknown as Record<string, unknown>;
  const requestId = text(m.RequestID);
  const clientId = text(m.ClientID);
  const channel = text(m.Channel);
  const metadata = text(m.Metadata);
  const replyChannel = text(m.ReplyChannel);
  const cacheKey = text(m.CacheKey);
  const requestIdLength = utf8Length(requestId);
  const clientIdLength = utf8Length(clientId);
  const channelLength = utf8Length(channel);
  const metadataLength = utf8Length(metadata);
  const replyChannelLength = utf8Length(replyChannel);
  const cacheKeyLength = utf8Length(cacheKey);
  const type = enumValue(m.RequestTypeData);
  const timeout = Number(m.Timeout) | 0;
  const cacheTtl = Number(m.CacheTTL) | 0;
  const body = bytesOf(m.Body);
  const span = bytesOf(m.Span);
  const tags = tagEntries(m.Tags);
  const w = new WireWriter(
    fieldSize(requestIdLength) +
      varintFieldSize(type) +
      fieldSize(clientIdLength) +
      fieldSize(channelLength) +
      fieldSize(metadataLength) +
      fieldSize(body.length) +
      fieldSize(replyChannelLength) +
      varintFieldSize(timeout) +
      fieldSize(cacheKeyLength) +
      varintFieldSize(cacheTtl) +
      fieldSize(span.length) +
      tagsSize(tags),
    framed,
    apartBytes(framed, body, span),
  );
  writeString(w, 1, requestId, requestIdLength);
  writeVarint(w, 2, type);
  writeString(w, 3, clientId, clientIdLength);
  writeString(w, 4, channel, channelLength);
  writeString(w, 5, metadata, metadataLength);
  writeBytes(w, 6, body);
  writeString(w, 7, replyChannel, replyChannelLength);
  writeVarint(w, 8, timeout);
  writeString(w, 9, cacheKey, cacheKeyLength);
  writeVarint(w, 10, cacheTtl);
  writeBytes(w, 11, span);
  writeTags(w, 12, tags);
  return w.frame();
}

/** Encodes a Response (field numbers 1–11 of `message Response`). */
export function serializeResponse(response: KubeMQResponse): Buffer {
  return writeResponse(response, false) as Buffer;
}

/** A Response as its gRPC frame, a large Body not copied (see WireWriter). */
export function frameResponse(response: KubeMQResponse): Frame {
  return writeResponse(response, true);
}

function writeResponse(response: KubeMQResponse, framed: boolean): Frame {
  const m = response as unknown as Record<string, unknown>;
  const clientId = text(m.ClientID);
  const requestId = text(m.RequestID);
  const replyChannel = text(m.ReplyChannel);
  const metadata = text(m.Metadata);
  const error = text(m.Error);
  const clientIdLength = utf8Length(clientId);
  const requestIdLength = utf8Length(requestId);
  const replyChannelLength = utf8Length(replyChannel);
  const metadataLength = utf8Length(metadata);
  const errorLength = utf8Length(error);
  const body = bytesOf(m.Body);
  const span = bytesOf(m.Span);
  const cacheHit = Boolean(m.CacheHit);
  const executed = Boolean(m.Executed);
  const timestamp = int64Parts(m.Timestamp);
  const hasTimestamp = timestamp.lo !== 0 || timestamp.hi !== 0;
  const tags = tagEntries(m.Tags);
  const w = new WireWriter(
    fieldSize(clientIdLength) +
      fieldSize(requestIdLength) +
      fieldSize(replyChannelLength) +
      fieldSize(metadataLength) +
      fieldSize(body.length) +
      (cacheHit ? 2 : 0) +
      (hasTimestamp ? 1 + varint64Size(timestamp) : 0) +
      (executed ? 2 : 0) +
      fieldSize(errorLength) +
      fieldSize(span.length) +
      tagsSize(tags),
    framed,
    apartBytes(framed, body, span),
  );
  writeString(w, 1, clientId, clientIdLength);
  writeString(w, 2, requestId, requestIdLength);
  writeString(w, 3, replyChannel, replyChannelLength);
  writeString(w, 4, metadata, metadataLength);
  writeBytes(w, 5, body);
  if (cacheHit) writeVarint(w, 6, 1);
  if (hasTimestamp) {
    w.tag(7, WIRE_VARINT);
    w.varint64(timestamp);
  }
  if (executed) writeVarint(w, 8, 1);
  writeString(w, 9, error, errorLength);
  writeBytes(w, 10, span);
  writeTags(w, 11, tags);
  return w.frame();
}

export function readTag(reader: WireReader, tags: Tags): void {
  const entry = reader.nested();
  let key = '';
  let value = '';
  while (!entry.done) {
    const tag = entry.uint32();
    if (tag === 0x0a) key = entry.string();
    else if (tag === 0x12) value = entry.string();
    else entry.skip(tag & 7);
  }
  if (key === '__proto__')
    Object.defineProperty(tags, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  else tags[key] = value;
}

/** Decodes a Request; throws on malformed input. */
export function deserializeRequest(buf: Buffer): KubeMQRequest {
  const m = emptyRequest();
  const r = new WireReader(buf);
  while (!r.done) {
    const tag = r.uint32();
    if (tag === 0x0a) m.RequestID = r.string();
    else if (tag === 0x10) m.RequestTypeData = r.int32();
    else if (tag === 0x1a) m.ClientID = r.string();
    else if (tag === 0x22) m.Channel = r.string();
    else if (tag === 0x2a) m.Metadata = r.string();
    else if (tag === 0x32) m.Body = r.bytes();
    else if (tag === 0x3a) m.ReplyChannel = r.string();
    else if (tag === 0x40) m.Timeout = r.int32();
    else if (tag === 0x4a) m.CacheKey = r.string();
    else if (tag === 0x50) m.CacheTTL = r.int32();
    else if (tag === 0x5a) m.Span = r.bytes();
    else if (tag === 0x62) readTag(r, m.Tags);
    else r.skip(tag & 7);
  }
  return m;
}

/** Decodes a Response; throws on malformed input. */
export function deserializeResponse(buf: Buffer): KubeMQResponse {
  const m = emptyResponse();
  const r = new WireReader(buf);
  while (!r.done) {
    const tag = r.uint32();
    if (tag === 0x0a) m.ClientID = r.string();
    else if (tag === 0x12) m.RequestID = r.string();
    else if (tag === 0x1a) m.ReplyChannel = r.string();
    else if (tag === 0x22) m.Metadata = r.string();
    else if (tag === 0x2a) m.Body = r.bytes();
    else if (tag === 0x30) m.CacheHit = r.bool();
    else if (tag === 0x38) m.Timestamp = r.int64String();
    else if (tag === 0x40) m.Executed = r.bool();
    else if (tag === 0x4a) m.Error = r.string();
    else if (tag === 0x52) m.Span = r.bytes();
    else if (tag === 0x5a) readTag(r, m.Tags);
    else r.skip(tag & 7);
  }
  return m;
}

/** `message Empty {}`: any input decodes to `{}` (unknown fields are skipped). */
export function deserializeEmpty(buf: Buffer): object {
  const r = new WireReader(buf);
  while (!r.done) r.skip(r.uint32() & 7);
  return {};
}

export function serializeEmpty(): Buffer {
  return EMPTY;
}
