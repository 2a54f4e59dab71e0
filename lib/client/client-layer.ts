import { type ReadPacket, type WritePacket } from '@nestjs/microservices';
import { type KubeMQConnection } from '../kubemq/connection';
import { RequestType, type Tags } from '../kubemq/messages';
import { KubeMQRecord, type KubeMQRecordOptions } from '../record-builders/kubemq.record-builder';
import { type KubeMQBodyKind } from '../serializers/kubemq-serializer';
import { type PayloadSerialization } from '../serializers/payload-serialization';
import { ClientTracing, type OutgoingSpan } from '../tracing/client-tracing';
import { registeredOpenTelemetry } from '../tracing/opentelemetry';
import { type TracedKind } from '../tracing/messaging-attributes';
import { packetMetadata, type Emission, type Publisher } from './events/event-publisher';
import { type PendingRequests } from './pending-requests';
import { unpackRecord } from './request-encoder';
import { decodeResponse } from './response-decoder';
import { publishRequest, type ResponseDecoding } from './rpc/request-publisher';

/**
 * What a client adds around its messages when configured to: a custom
 * serializer/deserializer and OpenTelemetry spans. The client uses the
 * functions below only when one of them is there; otherwise its messages
 * take the plain path, with no work of this layer's.
 */
export interface ClientLayer {
  readonly serialization: PayloadSerialization | undefined;
  readonly tracing: ClientTracing | undefined;
}

/**
 * The layer of a client that just connected, or undefined when it has
 * neither a serializer nor a registered tracer provider. The provider is
 * looked up here, once: apps register it before they start (OpenTelemetry's
 * own rule).
 */
export function clientLayerFor(
  serialization: PayloadSerialization | undefined,
  connection: KubeMQConnection,
): ClientLayer | undefined {
  const otel = registeredOpenTelemetry();
  const tracing = otel
    ? new ClientTracing(otel, connection.clientId, connection.address)
    : undefined;
  return serialization || tracing ? { serialization, tracing } : undefined;
}

/**
 * `send()` through the layer: a CLIENT span whose context travels in the
 * tags, the payload through the serializer (awaited when it returns a
 * Promise), the response through the deserializer.
 */
export function publishLayeredRequest(
  layer: ClientLayer,
  connection: KubeMQConnection,
  channel: string,
  packet: ReadPacket,
  defaultTimeout: number,
  pending: PendingRequests,
  callback: (packet: WritePacket) => void,
): () => void {
  const kind = requestKindOf(packet.data);
  const span = layer.tracing?.start(kind, channel);
  const metadata = withTraceTags(packetMetadata(packet), span);
  const report = span
    ? (result: WritePacket) => {
        if (result.err !== undefined || result.isDisposed) span.end(result.err);
        callback(result);
      }
    : callback;
  const decoding = responseDecoding(layer, channel, span);
  let teardown: (() => void) | undefined;
  let cancelled = false;
  const publish = (data: unknown) => {
    if (cancelled) return;
    teardown = publishRequest(
      connection,
      channel,
      packetOf(packet.pattern, data, metadata),
      defaultTimeout,
      pending,
      report,
      decoding,
    );
  };
  const serialization = layer.serialization;
  if (!serialization?.serializes) publish(packet.data);
  else {
    serializeData(serialization, kind, channel, packet.data, metadata).then(publish, (error) =>
      report({ err: error, isDisposed: true }),
    );
  }
  return () => {
    cancelled = true;
    teardown?.();
    span?.end();
  };
}

/** `emit()` through the layer: a PRODUCER span around the publisher, the payload serialized. */
export async function emitLayered(
  layer: ClientLayer,
  kind: TracedKind,
  emission: Emission,
  publish: Publisher,
): Promise<unknown> {
  const { channel, packet } = emission;
  const span = layer.tracing?.start(kind, channel);
  try {
    const metadata = withTraceTags(packetMetadata(packet), span);
    const data = layer.serialization
      ? await serializeData(layer.serialization, kind, channel, packet.data, metadata)
      : packet.data;
    const result = await publish({ ...emission, packet: packetOf(packet.pattern, data, metadata) });
    span?.end(undefined, messageIdOf(result));
    return result;
  } catch (error) {
    span?.end(error);
    throw error;
  }
}

/** One call of a typed helper (storeEvent, sendToQueue, their batch forms). */
export interface HelperCall<T> {
  kind: TracedKind;
  channel: string;
  items: readonly unknown[];
  /** Several messages in one call: one span for all, with their count. */
  batch: boolean;
  options: Omit<KubeMQRecordOptions, 'type'>;
  /** Nest 12: the metadata the client's dispatch hook attaches to one item. */
  metadataOf: ((item: unknown) => Tags | undefined) | undefined;
  /** Sends the prepared items (records with the tags and serialized data). */
  send(items: unknown[]): Promise<T>;
  /** The message id KubeMQ gave, for the span. */
  idOf?(result: T): string;
}

/**
 * A typed helper's messages with Nest 12's dispatch-hook metadata and the
 * trace context in their tags and their payloads serialized (each item
 * becomes a KubeMQRecord carrying its own options), inside one PRODUCER
 * span; as they are when there is nothing to add.
 */
export function sendHelperCall<T>(layer: ClientLayer | undefined, call: HelperCall<T>): Promise<T> {
  // Not an array: the helper itself says what is wrong.
  if ((!layer && !call.metadataOf) || !Array.isArray(call.items)) {
    return call.send(call.items as unknown[]);
  }
  return sendPrepared(layer, call);
}

async function sendPrepared<T>(layer: ClientLayer | undefined, call: HelperCall<T>): Promise<T> {
  const span = layer?.tracing?.start(
    call.kind,
    call.channel,
    call.batch ? call.items.length : undefined,
  );
  try {
    const items = await Promise.all(call.items.map((item) => prepareItem(layer, call, item, span)));
    const result = await call.send(items);
    span?.end(undefined, call.idOf?.(result));
    return result;
  } catch (error) {
    span?.end(error);
    throw error;
  }
}

async function prepareItem<T>(
  layer: ClientLayer | undefined,
  call: HelperCall<T>,
  item: unknown,
  span: OutgoingSpan | undefined,
): Promise<KubeMQRecord> {
  const { data, options: own } = unpackRecord(item);
  const tags = {
    ...call.metadataOf?.(item),
    ...span?.tags,
    ...call.options.tags,
    ...own.tags,
  };
  const serialization = layer?.serialization;
  const payload = serialization
    ? await serialization.serialize(data, {
        pattern: call.channel,
        channel: call.channel,
        kind: call.kind,
        metadata: own.metadata ?? call.options.metadata ?? '',
        tags,
      })
    : data;
  return new KubeMQRecord(payload, { ...own, tags });
}

/**
 * The data of a packet through the serializer: a record keeps its options
 * and gets the serialized payload.
 */
async function serializeData(
  serialization: PayloadSerialization,
  kind: KubeMQBodyKind,
  channel: string,
  packetData: unknown,
  metadata: Tags | undefined,
): Promise<unknown> {
  const { data, options } = unpackRecord(packetData);
  const serialized = await serialization.serialize(data, {
    pattern: channel,
    channel,
    kind,
    metadata: options.metadata ?? '',
    tags: { ...metadata, ...options.tags },
  });
  return packetData instanceof KubeMQRecord ? new KubeMQRecord(serialized, options) : serialized;
}

/** The response through the deserializer (queries), recording KubeMQ's RequestID on the span. */
function responseDecoding(
  layer: ClientLayer,
  channel: string,
  span: OutgoingSpan | undefined,
): ResponseDecoding | undefined {
  const serialization = layer.serialization;
  if (!span && !serialization) return undefined;
  return async (request, response) => {
    const id = response.RequestID || request.RequestID;
    span?.identify(id);
    if (!serialization || !response.Executed || request.RequestTypeData !== RequestType.Query) {
      return decodeResponse(request, response);
    }
    return serialization.deserializeResponse(response.Body, response.Tags, {
      channel,
      pattern: channel,
      kind: 'response',
      id,
      metadata: response.Metadata,
    });
  };
}

/** A packet with Nest 12's `metadata` (which Nest 11's ReadPacket type does not declare). */
function packetOf(pattern: unknown, data: unknown, metadata: Tags | undefined): ReadPacket {
  const packet: ReadPacket & { metadata?: Tags } = { pattern, data, metadata };
  return packet;
}

function requestKindOf(data: unknown): 'command' | 'query' {
  return data instanceof KubeMQRecord && data.options.type === 'query' ? 'query' : 'command';
}

function withTraceTags(
  metadata: Tags | undefined,
  span: OutgoingSpan | undefined,
): Tags | undefined {
  return span ? { ...metadata, ...span.tags } : metadata;
}

/** The id KubeMQ gave a published message (an event's Result, a queue send result). */
function messageIdOf(result: unknown): string | undefined {
  if (typeof result !== 'object' || result === null) return undefined;
  const { EventID, messageId } = result as { EventID?: unknown; messageId?: unknown };
  if (typeof EventID === 'string') return EventID;
  return typeof messageId === 'string' ? messageId : undefined;
}
