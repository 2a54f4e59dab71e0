import { sendChannelError } from '../kubemq/channel-rules';
import { KubeMQErrorText } from '../kubemq/errors';
import { KubeMQError } from '../kubemq/kubemq-error';
import {
  makeEvent,
  makeRequest,
  RequestType,
  type KubeMQEvent,
  type KubeMQRequest,
  type Tags,
} from '../kubemq/messages';
import { KubeMQRecord, type KubeMQRecordOptions } from '../record-builders/kubemq.record-builder';
import {
  BODY_FORMAT_TAG,
  encodeBody,
  type BodyFormat,
  type EncodedBody,
} from '../serializers/body-codec';
import { PreEncodedBody } from '../serializers/payload-serialization';

const MAX_TIMEOUT_MS = 2_147_483_647;

/**
 * Encodes a payload (one a custom serializer already encoded goes as it is),
 * turning a serialization failure into an error that names the message.
 */
export function encodePayload(data: unknown, what: string): EncodedBody {
  if (data instanceof PreEncodedBody) return data.encoded;
  try {
    return encodeBody(data);
  } catch (error) {
    throw new KubeMQError(`Cannot send the ${what}: ${(error as Error).message}`);
  }
}

/** A payload split into its data and KubeMQ options (from a {@link KubeMQRecord} or plain data). */
export function unpackRecord(data: unknown): {
  data: unknown;
  options: Readonly<KubeMQRecordOptions>;
} {
  return data instanceof KubeMQRecord
    ? { data: data.data, options: data.options }
    : { data, options: {} };
}

/** Merges Nest 12 packet metadata and record tags, then adds our body format tag. */
export function buildTags(
  packetMetadata: Tags | undefined,
  recordTags: Tags | undefined,
  format: BodyFormat,
): Tags {
  if (isEmpty(packetMetadata) && isEmpty(recordTags)) return FORMAT_TAGS[format];
  return { ...packetMetadata, ...recordTags, [BODY_FORMAT_TAG]: format };
}

/** The tags of a message without tags of its own: one frozen object per format (the codec encodes each once). */
const FORMAT_TAGS: Record<BodyFormat, Tags> = {
  json: Object.freeze({ [BODY_FORMAT_TAG]: 'json' }),
  text: Object.freeze({ [BODY_FORMAT_TAG]: 'text' }),
  binary: Object.freeze({ [BODY_FORMAT_TAG]: 'binary' }),
  none: Object.freeze({ [BODY_FORMAT_TAG]: 'none' }),
  serialized: Object.freeze({ [BODY_FORMAT_TAG]: 'serialized' }),
};

function isEmpty(tags: Tags | undefined): boolean {
  if (!tags) return true;
  for (const key in tags) if (Object.prototype.hasOwnProperty.call(tags, key)) return false;
  return true;
}

type MessageKind = 'command' | 'query' | 'event';

function article(kind: MessageKind): string {
  return kind === 'event' ? 'an' : 'a';
}

/** A queue policy on anything but a queue message would do nothing: refuse it. */
function refusePolicy(
  kind: MessageKind,
  channel: string,
  options: Readonly<KubeMQRecordOptions>,
): void {
  if (options.policy !== undefined) {
    throw new KubeMQError(
      `setPolicy() applies to queue messages (setType('queue')), not to ${article(kind)} ${kind} to "${channel}"`,
    );
  }
}

/** Refuses a channel KubeMQ would refuse, with its text and the channel's name. */
function checkChannel(kind: MessageKind, channel: string): void {
  const problem = sendChannelError(channel);
  if (problem) {
    throw new KubeMQError(
      `Cannot send ${article(kind)} ${kind} to KubeMQ channel "${channel}": ${problem}`,
    );
  }
}

/** Encodes the body and refuses what KubeMQ would: no body and no metadata. */
function encodeContent(
  kind: MessageKind,
  channel: string,
  data: unknown,
  metadata: string,
): EncodedBody {
  const { body, format } = encodePayload(data, `${kind} to "${channel}"`);
  if (body.length === 0 && metadata === '') {
    const text = kind === 'event' ? KubeMQErrorText.emptyMessage : KubeMQErrorText.emptyRequest;
    throw new KubeMQError(`Cannot send an empty ${kind} to "${channel}": ${text}`);
  }
  return { body, format };
}

/**
 * Builds the KubeMQ Request for `send()`. Throws a KubeMQError naming the
 * channel for what the broker would refuse anyway, so no round trip is wasted.
 */
export function encodeRequest(
  channel: string,
  payload: unknown,
  clientId: string,
  defaultTimeout: number,
  packetMetadata?: Tags,
): KubeMQRequest {
  const { data, options } = unpackRecord(payload);
  const type = options.type ?? 'command';
  if (type !== 'command' && type !== 'query') {
    throw new KubeMQError(
      `KubeMQ request type must be 'command' or 'query', got ${JSON.stringify(type)} (emit() publishes events, events-store events and queue messages)`,
    );
  }
  checkChannel(type, channel);
  refusePolicy(type, channel, options);
  const timeout = options.timeout ?? defaultTimeout;
  if (!Number.isInteger(timeout) || timeout <= 0 || timeout > MAX_TIMEOUT_MS) {
    throw new KubeMQError(
      `Invalid timeout ${String(timeout)} for ${type} on "${channel}": a whole number of ms between 1 and ${MAX_TIMEOUT_MS} (${KubeMQErrorText.invalidTimeout})`,
    );
  }
  const metadata = options.metadata ?? '';
  const { body, format } = encodeContent(type, channel, data, metadata);
  return makeRequest({
    RequestTypeData: type === 'query' ? RequestType.Query : RequestType.Command,
    ClientID: clientId,
    Channel: channel,
    Metadata: metadata,
    Body: body,
    Timeout: timeout,
    Tags: buildTags(packetMetadata, options.tags, format),
  });
}

/** Builds the KubeMQ Event for `emit()`, with the same checks as {@link encodeRequest}. */
export function encodeEvent(
  channel: string,
  payload: unknown,
  clientId: string,
  packetMetadata?: Tags,
): { event: KubeMQEvent; timeout: number | undefined } {
  const { data, options } = unpackRecord(payload);
  const metadata = options.metadata ?? '';
  checkChannel('event', channel);
  refusePolicy('event', channel, options);
  const { body, format } = encodeContent('event', channel, data, metadata);
  const event = makeEvent({
    ClientID: clientId,
    Channel: channel,
    Metadata: metadata,
    Body: body,
    Tags: buildTags(packetMetadata, options.tags, format),
  });
  return { event, timeout: options.timeout };
}
