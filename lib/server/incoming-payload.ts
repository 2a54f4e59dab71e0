import { type KubeMQContext } from '../ctx-host/kubemq.context';
import { type Tags } from '../kubemq/messages';
import { type EncodedBody } from '../serializers/body-codec';
import {
  PreEncodedBody,
  type IncomingBody,
  type PayloadSerialization,
} from '../serializers/payload-serialization';

/** Where a message's body came from, as the deserializer is told. */
function incomingBody(ctx: KubeMQContext): IncomingBody {
  const message = ctx.getMessage();
  return {
    channel: message.channel,
    pattern: message.pattern,
    kind: message.type,
    id: message.id,
    metadata: message.metadata,
  };
}

/**
 * The payload of an incoming message through the server's deserializer;
 * rejects with a KubeMQError naming the message when it cannot be read.
 * (Consumers call the body codec themselves when there is no deserializer.)
 */
export function deserializeIncoming(
  serialization: PayloadSerialization,
  body: Uint8Array | undefined,
  tags: Tags | undefined,
  ctx: KubeMQContext,
): Promise<unknown> {
  return serialization.deserialize(body, tags, incomingBody(ctx));
}

/**
 * A query handler's result through the server's serializer, or undefined
 * when the body codec writes it (no serializer, or an undefined result).
 */
export async function serializeResult(
  serialization: PayloadSerialization,
  value: unknown,
  ctx: KubeMQContext,
): Promise<EncodedBody | undefined> {
  const message = ctx.getMessage();
  const serialized = await serialization.serialize(value, {
    pattern: message.channel,
    channel: message.channel,
    kind: 'response',
    metadata: '',
    tags: {},
  });
  return serialized instanceof PreEncodedBody ? serialized.encoded : undefined;
}
