import {
  apartBytes,
  bytesOf,
  fieldSize,
  readTag,
  tagEntries,
  tagsSize,
  text,
  writeBytes,
  writeString,
  writeTags,
  writeVarint,
} from './hot-codec';
import {
  makeEvent,
  type KubeMQEvent,
  type KubeMQEventReceive,
  type KubeMQResult,
} from './messages';
import { int64Parts, utf8Length, varint64Size, WIRE_VARINT, WireWriter } from './protobuf-wire';
import { type Frame } from './grpc-frame';
import { WireReader } from './wire-reader';

/**
 * Hand-written codec of the messages every event carries (Event, Result,
 * EventReceive), like ./hot-codec for requests: the events store moves
 * tens of thousands of them a second, where proto-loader's generic
 * encoder (its map fields above all) costs more than the rest of the path.
 * Decoding gives exactly what proto-loader gives with the transport's options.
 */

const EMPTY = Buffer.alloc(0);

/** Encodes an Event (field numbers 1–7 of `message Event`). */
export function serializeEvent(event: KubeMQEvent): Buffer {
  return writeEvent(event, false) as Buffer;
}

/** An Event as its gRPC frame, a large Body not copied (see WireWriter). */
export function frameEvent(event: KubeMQEvent): Frame {
  return writeEvent(event, true);
}

function writeEvent(event: KubeMQEvent, framed: boolean): Frame {
  const m = event as unknown as Record<string, unknown>;
  const eventId = text(m.EventID);
  const clientId = text(m.ClientID);
  const channel = text(m.Channel);
  const metadata = text(m.Metadata);
  const eventIdLength = utf8Length(eventId);
  const clientIdLength = utf8Length(clientId);
  const channelLength = utf8Length(channel);
  const metadataLength = utf8Length(metadata);
  const body = bytesOf(m.Body);
  const store = Boolean(m.Store);
  const tags = tagEntries(m.Tags);
  const w = new WireWriter(
    fieldSize(eventIdLength) +
      fieldSize(clientIdLength) +
      fieldSize(channelLength) +
      fieldSize(metadataLength) +
      fieldSize(body.length) +
      (store ? 2 : 0) +
      tagsSize(tags),
    framed,
    apartBytes(framed, body),
  );
  writeString(w, 1, eventId, eventIdLength);
  writeString(w, 2, clientId, clientIdLength);
  writeString(w, 3, channel, channelLength);
  writeString(w, 4, metadata, metadataLength);
  writeBytes(w, 5, body);
  if (store) writeVarint(w, 6, 1);
  writeTags(w, 7, tags);
  return w.frame();
}

/** Decodes an Event; throws on malformed input. */
export function deserializeEvent(buf: Buffer): KubeMQEvent {
  const m = makeEvent({ Body: EMPTY, Tags: {} });
  const r = new WireReader(buf);
  while (!r.done) {
    const tag = r.uint32();
    if (tag === 0x0a) m.EventID = r.string();
    else if (tag === 0x12) m.ClientID = r.string();
    else if (tag === 0x1a) m.Channel = r.string();
    else if (tag === 0x22) m.Metadata = r.string();
    else if (tag === 0x2a) m.Body = r.bytes();
    else if (tag === 0x30) m.Store = r.bool();
    else if (tag === 0x3a) readTag(r, m.Tags);
    else r.skip(tag & 7);
  }
  return m;
}

/** Encodes a Result (field numbers 1–3 of `message Result`). */
export function serializeResult(result: KubeMQResult): Buffer {
  const m = result as unknown as Record<string, unknown>;
  const eventId = text(m.EventID);
  const error = text(m.Error);
  const eventIdLength = utf8Length(eventId);
  const errorLength = utf8Length(error);
  const sent = Boolean(m.Sent);
  const w = new WireWriter(fieldSize(eventIdLength) + (sent ? 2 : 0) + fieldSize(errorLength));
  writeString(w, 1, eventId, eventIdLength);
  if (sent) writeVarint(w, 2, 1);
  writeString(w, 3, error, errorLength);
  return w.buf;
}

/** Decodes a Result; throws on malformed input. */
export function deserializeResult(buf: Buffer): KubeMQResult {
  const m: KubeMQResult = { EventID: '', Sent: false, Error: '' };
  const r = new WireReader(buf);
  while (!r.done) {
    const tag = r.uint32();
    if (tag === 0x0a) m.EventID = r.string();
    else if (tag === 0x10) m.Sent = r.bool();
    else if (tag === 0x1a) m.Error = r.string();
    else r.skip(tag & 7);
  }
  return m;
}

/** Encodes an EventReceive (field numbers 1–7 of `message EventReceive`). */
export function serializeEventReceive(event: KubeMQEventReceive): Buffer {
  const m = event as unknown as Record<string, unknown>;
  const eventId = text(m.EventID);
  const channel = text(m.Channel);
  const metadata = text(m.Metadata);
  const eventIdLength = utf8Length(eventId);
  const channelLength = utf8Length(channel);
  const metadataLength = utf8Length(metadata);
  const body = bytesOf(m.Body);
  const timestamp = int64Parts(m.Timestamp);
  const sequence = int64Parts(m.Sequence);
  const hasTimestamp = timestamp.lo !== 0 || timestamp.hi !== 0;
  const hasSequence = sequence.lo !== 0 || sequence.hi !== 0;
  const tags = tagEntries(m.Tags);
  const w = new WireWriter(
    fieldSize(eventIdLength) +
      fieldSize(channelLength) +
      fieldSize(metadataLength) +
      fieldSize(body.length) +
      (hasTimestamp ? 1 + varint64Size(timestamp) : 0) +
      (hasSequence ? 1 + varint64Size(sequence) : 0) +
      tagsSize(tags),
  );
  writeString(w, 1, eventId, eventIdLength);
  writeString(w, 2, channel, channelLength);
  writeString(w, 3, metadata, metadataLength);
  writeBytes(w, 4, body);
  if (hasTimestamp) {
    w.tag(5, WIRE_VARINT);
    w.varint64(timestamp);
  }
  if (hasSequence) {
    w.tag(6, WIRE_VARINT);
    w.varint64(sequence);
  }
  writeTags(w, 7, tags);
  return w.buf;
}

/** Decodes an EventReceive; throws on malformed input. */
export function deserializeEventReceive(buf: Buffer): KubeMQEventReceive {
  const m: KubeMQEventReceive = {
    EventID: '',
    Channel: '',
    Metadata: '',
    Body: EMPTY,
    Timestamp: '0',
    Sequence: '0',
    Tags: {},
  };
  const r = new WireReader(buf);
  while (!r.done) {
    const tag = r.uint32();
    if (tag === 0x0a) m.EventID = r.string();
    else if (tag === 0x12) m.Channel = r.string();
    else if (tag === 0x1a) m.Metadata = r.string();
    else if (tag === 0x22) m.Body = r.bytes();
    else if (tag === 0x28) m.Timestamp = r.int64String();
    else if (tag === 0x30) m.Sequence = r.uint64String();
    else if (tag === 0x3a) readTag(r, m.Tags);
    else r.skip(tag & 7);
  }
  return m;
}
