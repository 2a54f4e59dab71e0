import type { IncomingMessage } from 'node:http';
import { GoJsonSyntaxError } from './go-json-errors';
import { readFirstJsonValue } from './go-json-reader';
import { decodeWire, WireTypeError } from './wire-json';
import type { WireSchema } from './wire-fields';

/** A request body the REST face refuses, with the real server's text (sent with HTTP 400). */
export class BindError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BindError';
  }
}

/** A body larger than the broker accepts (answered 413). */
export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`request body larger than ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/** Reads a request body, up to `limit` bytes. */
export function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new BodyTooLargeError(limit));
        request.resume();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/** echo's HTTPError text: `code=N, message=M` plus `, internal=E` when it wraps an error. */
function echoError(code: number, message: string, internal?: string): BindError {
  const suffix = internal === undefined ? '' : `, internal=${internal}`;
  return new BindError(`code=${code}, message=${message}${suffix}`);
}

/**
 * echo's `c.Bind()` of a POST body into one of the server's structs, with
 * its texts: an empty body binds nothing; `application/json` is decoded by
 * Go's json.Decoder; form bodies bind nothing (the structs carry no form
 * tags); any other or no Content-Type is `code=415, message=Unsupported
 * Media Type`. (XML bodies, which echo would decode, are refused the same way.)
 *
 * @throws BindError with the text the real server puts in the envelope.
 */
export function bindBody<T>(schema: WireSchema<T>, request: IncomingMessage, body: Buffer): T {
  // Go's ContentLength is 0 for "Content-Length: 0" and for a body-less request.
  const length = request.headers['content-length'];
  const chunked = request.headers['transfer-encoding'] !== undefined;
  if (length === '0' || (length === undefined && !chunked)) return schema.empty();
  const contentType = request.headers['content-type'] ?? '';
  if (contentType.startsWith('application/json')) return bindJson(schema, body);
  if (
    contentType.startsWith('application/x-www-form-urlencoded') ||
    contentType.startsWith('multipart/form-data')
  ) {
    return schema.empty();
  }
  throw echoError(415, 'Unsupported Media Type');
}

function bindJson<T>(schema: WireSchema<T>, body: Buffer): T {
  try {
    return decodeWire(schema, readFirstJsonValue(body));
  } catch (error) {
    if (error instanceof GoJsonSyntaxError) {
      throw echoError(
        400,
        `Syntax error: offset=${error.offset}, error=${error.message}`,
        error.message,
      );
    }
    if (error instanceof WireTypeError) {
      throw echoError(
        400,
        `Unmarshal type error: expected=${error.goType}, got=${error.found}, field=${error.field}, offset=${error.offset}`,
        error.message,
      );
    }
    // GoJsonEndOfInput ("EOF", "unexpected EOF") and WireBase64Error.
    if (error instanceof Error) throw echoError(400, error.message, error.message);
    throw error;
  }
}
