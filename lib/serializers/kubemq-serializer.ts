import { type Tags } from '../kubemq/messages';

/**
 * What a body travels in: a request (`'command'`, `'query'`), a query's
 * `'response'`, an `'event'`, a stored event (`'events-store'`) or a
 * `'queue'` message.
 */
export type KubeMQBodyKind = 'command' | 'query' | 'response' | 'event' | 'events-store' | 'queue';

/**
 * The second argument of `serializer.serialize(value, options)`: where the
 * body goes. Like Nest's Kafka transport, the serializer gets the payload
 * (not the packet) and `{ pattern }`; the rest is KubeMQ's.
 */
export interface KubeMQSerializeOptions {
  /** The channel (or queue) the message goes to; for a response, the request's channel. */
  pattern: string;
  /** The same channel, under KubeMQ's name for it. */
  channel: string;
  /** What the body travels in. */
  kind: KubeMQBodyKind;
  /** The KubeMQ Metadata string sent beside the body ('' when none). */
  metadata: string;
  /**
   * The tags sent beside the body (Nest 12 packet metadata, the record's
   * tags, the trace context); read-only. nestjs-kubemq adds its body tag.
   */
  tags: Readonly<Tags>;
}

/**
 * The second argument of `deserializer.deserialize(body, options)`: where
 * the body came from.
 */
export interface KubeMQDeserializeOptions {
  /** The concrete channel (or queue) the message came on; for a response, the request's channel. */
  channel: string;
  /** The channel or wildcard pattern the handler subscribed to (the channel on the client). */
  pattern: string;
  /** What the body travelled in. */
  kind: KubeMQBodyKind;
  /** RequestID, EventID or MessageID. */
  id: string;
  /** The message's KubeMQ Metadata string. */
  metadata: string;
  /** The message's tags. */
  tags: Readonly<Tags>;
  /**
   * True when the sender marked the body as a serializer's output (a
   * nestjs-kubemq sender with a `serializer`); false for a body from a
   * sender that did not mark it (kubemq-js, REST, the CLI, another
   * language): the deserializer may then meet JSON or plain text, and if it
   * throws, the body is decoded as without a deserializer.
   */
  serialized: boolean;
}

/**
 * A serializer as nestjs-kubemq calls it: Nest's `Serializer` shape
 * (`serialize(value, options)`), so a class that implements Nest's
 * `Serializer`, `ProducerSerializer` or `ConsumerSerializer` fits.
 *
 * - `value` is the payload: the `data` of a request, event or queue message
 *   (the record's data for a `KubeMQRecord`), or a query handler's result.
 *   Never called for `undefined` (sent as an empty body), for a command's
 *   response (KubeMQ carries no body there) or for errors (they keep the
 *   readable `Error` text and the `nestjs-kubemq.error` tag).
 * - It returns the Body: a `Buffer`/`Uint8Array` as it is, a `string` as
 *   UTF-8, both marked `nestjs-kubemq.body: serialized`; or any other value
 *   (a transformed object, as Nest's identity-style serializers return),
 *   which is then written by the default body codec (JSON) as without a
 *   serializer. A Promise of these is awaited.
 * - A throw fails that message with an error naming the channel.
 */
export interface KubeMQSerializer {
  serialize(value: unknown, options?: KubeMQSerializeOptions): unknown;
}

/**
 * A deserializer as nestjs-kubemq calls it: Nest's `Deserializer` shape
 * (`deserialize(value, options)`), so a class that implements Nest's
 * `ConsumerDeserializer` or `ProducerDeserializer` fits.
 *
 * - `value` is the Body as a `Buffer`; `options` says where it came from.
 * - It returns (or resolves to) a Nest packet: `{ pattern, data }`
 *   (`IncomingRequest`/`IncomingEvent`) or `{ id, response }`
 *   (`IncomingResponse`); the payload is its `data`, else its `response`.
 *   On the client, `{ id, err }` fails the query with `err`. Anything else
 *   fails the message with an error naming the channel.
 * - It is called for bodies a `serializer` made and for unmarked (foreign)
 *   bodies; bodies our default codec marked (`json`, `text`, `binary`,
 *   `none`) are decoded by it, whatever the deserializer.
 */
export interface KubeMQDeserializer {
  deserialize(value: Buffer, options?: KubeMQDeserializeOptions): unknown;
}

/** The `serializer` / `deserializer` options of ServerKubeMQ and ClientKubeMQ. */
export interface KubeMQSerializationOptions {
  /**
   * Turns outgoing payloads into KubeMQ bodies (the server: query results;
   * the client: requests, events, stored events and queue messages).
   * Default: JSON, strings as UTF-8, Buffers as they are.
   */
  serializer?: KubeMQSerializer;
  /**
   * Turns incoming bodies back into payloads (the server: requests, events,
   * stored events and queue messages; the client: query responses and what
   * `receiveFromQueue()` / `peekQueue()` return). Default: the body codec.
   */
  deserializer?: KubeMQDeserializer;
}
