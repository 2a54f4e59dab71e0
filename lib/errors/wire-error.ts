import { type KubeMQResponse, type Tags } from '../kubemq/messages';

/**
 * The error object a handler's failure became in Nest's RPC exception
 * filter travels in this tag as JSON, so a Nest client gets it back
 * unchanged while `Response.Error` stays readable for any other client.
 */
export const ERROR_TAG = 'nestjs-kubemq.error';

/** What Nest's built-in transports deliver for an unknown failure. */
export const INTERNAL_ERROR = { status: 'error', message: 'Internal server error' } as const;

/** The `Error` text and tags to put on a Response for a failed handler. */
export function encodeWireError(error: unknown): { text: string; tags: Tags } {
  const payload = toErrorPayload(error);
  let json: string;
  try {
    json = JSON.stringify(payload) ?? JSON.stringify(INTERNAL_ERROR);
  } catch {
    json = JSON.stringify(INTERNAL_ERROR);
  }
  return { text: readableText(payload, json), tags: { [ERROR_TAG]: json } };
}

/**
 * The error object for a Response with `Executed: false`: ours restored
 * from the tag, a foreign responder's text as `{ status: 'error', message }`.
 */
export function decodeWireError(response: Pick<KubeMQResponse, 'Error' | 'Tags'>): unknown {
  const json = response.Tags?.[ERROR_TAG];
  if (json !== undefined) {
    try {
      return JSON.parse(json) as unknown;
    } catch {
      // fall through to the readable text
    }
  }
  return { status: 'error', message: response.Error || 'request was not executed' };
}

/**
 * Errors from Nest's exception filter are already plain objects (or
 * strings); a raw Error that escaped it is reported the way Nest does.
 */
function toErrorPayload(error: unknown): unknown {
  if (error instanceof Error) return INTERNAL_ERROR;
  if (error === undefined || error === null) return INTERNAL_ERROR;
  if (typeof error === 'string') return { status: 'error', message: error };
  return error;
}

function readableText(payload: unknown, json: string): string {
  if (payload && typeof payload === 'object') {
    const message = (payload as { message?: unknown }).message;
    if (typeof message === 'string' && message !== '') return message;
    if (Array.isArray(message)) return message.map(String).join('; ');
  }
  return json;
}
