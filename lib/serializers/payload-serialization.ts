import { KubeMQError } from '../kubemq/kubemq-error';
import { type Tags } from '../kubemq/messages';
import { bodyFormatOf, decodeBody, encodeBody, toBuffer, type EncodedBody } from './body-codec';
import {
  type KubeMQBodyKind,
  type KubeMQDeserializeOptions,
  type KubeMQDeserializer,
  type KubeMQSerializationOptions,
  type KubeMQSerializeOptions,
  type KubeMQSerializer,
} from './kubemq-serializer';

/**
 * A payload a serializer already turned into a Body: the encoders send it
 * as it is instead of running the default codec on it.
 */
export class PreEncodedBody {
  constructor(readonly encoded: EncodedBody) {}
}

/** Where an incoming body came from, less what the serialization adds itself. */
export type IncomingBody = Omit<KubeMQDeserializeOptions, 'serialized' | 'tags'>;

/** A query's response as the client reports it. */
export type DeserializedResponse = { ok: true; value: unknown } | { ok: false; error: unknown };

/** The formats our default codec marks: a deserializer never overrides what their sender said. */
const CODEC_FORMATS = new Set(['json', 'text', 'binary', 'none']);
const EMPTY = Buffer.alloc(0);

/**
 * The custom `serializer` / `deserializer` of a server or client. Exists
 * only when one of them is configured, so the default path never pays for
 * it. Its errors name the message and its channel.
 */
export class PayloadSerialization {
  private constructor(
    private readonly serializer: KubeMQSerializer | undefined,
    private readonly deserializer: KubeMQDeserializer | undefined,
  ) {}

  /**
   * The serialization of `options`, or undefined when neither a serializer
   * nor a deserializer is set. Throws a KubeMQError naming the option when
   * one has the wrong shape.
   */
  static from(
    owner: string,
    options: KubeMQSerializationOptions | undefined,
  ): PayloadSerialization | undefined {
    const serializer = presentOption(owner, 'serializer', options?.serializer, 'serialize');
    const deserializer = presentOption(owner, 'deserializer', options?.deserializer, 'deserialize');
    if (!serializer && !deserializer) return undefined;
    return new PayloadSerialization(
      serializer as KubeMQSerializer | undefined,
      deserializer as KubeMQDeserializer | undefined,
    );
  }

  /** True when outgoing payloads go through a serializer. */
  get serializes(): boolean {
    return this.serializer !== undefined;
  }

  /**
   * The payload as it goes out: a {@link PreEncodedBody} made by the
   * serializer, or `value` itself when there is none (or it is undefined,
   * sent as an empty body) or the serializer returned a value for the
   * default codec. Rejects with a KubeMQError naming the message.
   */
  async serialize(value: unknown, options: KubeMQSerializeOptions): Promise<unknown> {
    if (!this.serializer || value === undefined) return value;
    let output: unknown;
    try {
      output = await this.serializer.serialize(value, options);
    } catch (error) {
      throw new KubeMQError(
        `Cannot send the ${outgoing(options)}: the serializer failed: ${messageOf(error)}`,
        undefined,
        { cause: error },
      );
    }
    const bytes = bytesOf(output);
    if (bytes) return new PreEncodedBody({ body: bytes, format: 'serialized' });
    // Anything else is a transformed payload (class-transformer and the like): the codec writes it.
    try {
      return new PreEncodedBody(encodeBody(output));
    } catch (error) {
      throw new KubeMQError(
        `Cannot send the ${outgoing(options)}: the serializer returned a value that is neither bytes nor a string, and ${messageOf(error)}`,
        undefined,
        { cause: error },
      );
    }
  }

  /**
   * The payload of an incoming request, event or queue message. Rejects
   * with a KubeMQError naming the message when a body marked `serialized`
   * cannot be deserialized, or the deserializer returns no packet.
   */
  async deserialize(
    body: Uint8Array | undefined,
    tags: Tags | undefined,
    from: IncomingBody,
  ): Promise<unknown> {
    const packet = await this.packetOf(body, tags, from);
    if (packet === NOT_DESERIALIZED) return decodeBody(body, bodyFormatOf(tags));
    return payloadOf(packet, from);
  }

  /**
   * A query's response: `{ err }` from the deserializer fails the query
   * with it, as Nest's clients do.
   */
  async deserializeResponse(
    body: Uint8Array | undefined,
    tags: Tags | undefined,
    from: IncomingBody,
  ): Promise<DeserializedResponse> {
    const packet = await this.packetOf(body, tags, from);
    if (packet === NOT_DESERIALIZED)
      return { ok: true, value: decodeBody(body, bodyFormatOf(tags)) };
    const err = isObject(packet) ? packet.err : undefined;
    if (err !== undefined && err !== null) return { ok: false, error: err };
    return { ok: true, value: payloadOf(packet, from) };
  }

  /**
   * What the deserializer made of the body, or NOT_DESERIALIZED when the
   * default codec decides: no deserializer, a body our codec marked, or a
   * foreign body the deserializer could not read (plain JSON from the CLI
   * reaching an app that speaks MessagePack).
   */
  private async packetOf(
    body: Uint8Array | undefined,
    tags: Tags | undefined,
    from: IncomingBody,
  ): Promise<unknown> {
    const format = bodyFormatOf(tags);
    if (!this.deserializer || (format !== undefined && CODEC_FORMATS.has(format))) {
      return NOT_DESERIALIZED;
    }
    const serialized = format === 'serialized';
    try {
      return await this.deserializer.deserialize(body ? toBuffer(body) : EMPTY, {
        ...from,
        tags: tags ?? {},
        serialized,
      });
    } catch (error) {
      if (!serialized) return NOT_DESERIALIZED;
      throw new KubeMQError(
        `Cannot deserialize the ${incoming(from)}: the deserializer failed: ${messageOf(error)}`,
        undefined,
        { cause: error },
      );
    }
  }
}

const NOT_DESERIALIZED = Symbol('not deserialized');

/** The option when set (null counts as unset, as in Nest); throws when it has the wrong shape. */
function presentOption(
  owner: string,
  name: 'serializer' | 'deserializer',
  value: unknown,
  method: string,
): unknown {
  if (value === undefined || value === null) return undefined;
  if (isObject(value) && typeof value[method] === 'function') return value;
  const nestName = name === 'serializer' ? 'Serializer' : 'Deserializer';
  const got =
    typeof value === 'function'
      ? 'a class or function (pass an instance, e.g. `new MySerializer()`)'
      : isObject(value)
        ? `an object without a ${method}() method`
        : `${typeof value} ${JSON.stringify(value)}`;
  throw new KubeMQError(
    `${owner} option "${name}" must be an object with a ${method}(value, options) method (Nest's ${nestName}), got ${got}`,
  );
}

function bytesOf(value: unknown): Buffer | undefined {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return toBuffer(value);
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  return undefined;
}

/** The payload of a packet the deserializer returned: its `data`, else its `response`. */
function payloadOf(packet: unknown, from: IncomingBody): unknown {
  if (isObject(packet)) {
    if ('data' in packet) return packet.data;
    if ('response' in packet) return packet.response;
  }
  const got = packet === null ? 'null' : isObject(packet) ? 'an object' : typeof packet;
  throw new KubeMQError(
    `Cannot deserialize the ${incoming(from)}: the deserializer returned ${got} without "data" or "response"; it must return a Nest packet such as { pattern, data } or { id, response }`,
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return (typeof value === 'object' && value !== null) || typeof value === 'function';
}

const NOUNS: Record<KubeMQBodyKind, string> = {
  command: 'command',
  query: 'query',
  response: 'response to the query',
  event: 'event',
  'events-store': 'stored event',
  queue: 'queue message',
};

function outgoing(options: KubeMQSerializeOptions): string {
  const preposition = options.kind === 'response' ? 'on' : 'to';
  return `${NOUNS[options.kind]} ${preposition} "${options.channel}"`;
}

function incoming(from: IncomingBody): string {
  return `${NOUNS[from.kind]}${from.id ? ` ${from.id}` : ''} on "${from.channel}"`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
