import { encodeWireError, INTERNAL_ERROR } from '../../errors/wire-error';
import {
  makeResponse,
  type KubeMQRequest,
  type KubeMQResponse,
  type Tags,
} from '../../kubemq/messages';
import {
  BODY_FORMAT_TAG,
  encodeBody,
  type BodyFormat,
  type EncodedBody,
} from '../../serializers/body-codec';
import { type HandlerOutcome } from '../handler-runner';

/** A query answer's tags: one frozen object per format, whose encoding the codec keeps. */
const FORMAT_TAGS: Record<BodyFormat, Tags> = {
  json: Object.freeze({ [BODY_FORMAT_TAG]: 'json' }),
  text: Object.freeze({ [BODY_FORMAT_TAG]: 'text' }),
  binary: Object.freeze({ [BODY_FORMAT_TAG]: 'binary' }),
  none: Object.freeze({ [BODY_FORMAT_TAG]: 'none' }),
  serialized: Object.freeze({ [BODY_FORMAT_TAG]: 'serialized' }),
};

/**
 * The Response for a handled request. Commands carry only Executed and the
 * time (the broker drops a command response's body anyway); queries carry
 * the handler's value in Body with its format tag. A failure carries a
 * readable `Error` plus the exact error object in a tag.
 */
function buildResponse(
  request: KubeMQRequest,
  isQuery: boolean,
  outcome: HandlerOutcome,
  responderClientId: string,
  encoded?: EncodedBody,
): KubeMQResponse {
  const response = makeResponse({
    ClientID: responderClientId,
    RequestID: request.RequestID,
    ReplyChannel: request.ReplyChannel,
    Timestamp: String(Date.now()),
  });
  if (!outcome.ok) {
    const { text, tags } = encodeWireError(outcome.error);
    response.Error = text;
    response.Tags = tags;
    return response;
  }
  response.Executed = true;
  if (isQuery) {
    const { body, format } = encoded ?? encodeBody(outcome.value);
    response.Body = body;
    response.Tags = FORMAT_TAGS[format] ?? { [BODY_FORMAT_TAG]: format };
  }
  return response;
}

/**
 * {@link buildResponse}, except that a result that cannot be serialized
 * (circular, BigInt) becomes Nest's internal error, reported to `onUnsendable`,
 * so the caller gets an answer instead of a timeout. `encoded` is the
 * result as a custom serializer already wrote it.
 */
export function buildSendableResponse(
  request: KubeMQRequest,
  isQuery: boolean,
  outcome: HandlerOutcome,
  responderClientId: string,
  onUnsendable: (error: Error) => void,
  encoded?: EncodedBody,
): KubeMQResponse {
  try {
    return buildResponse(request, isQuery, outcome, responderClientId, encoded);
  } catch (error) {
    onUnsendable(error as Error);
    return buildResponse(request, isQuery, { ok: false, error: INTERNAL_ERROR }, responderClientId);
  }
}
