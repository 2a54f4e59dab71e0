import { goJsonString } from './go-json-format';
import type { JsonNode } from './json-node';
import { decodeStdBase64 } from './std-base64';
import type { Field, FieldKind, WireSchema } from './wire-fields';

/**
 * The KubeMQ messages as the REST face writes and reads them: Go's
 * `encoding/json` applied to the server's generated protobuf structs.
 * PascalCase keys in proto order, `omitempty` (false, 0, "", empty bytes
 * and empty maps are left out), bytes as padded standard base64, enums and
 * int64 as plain JSON numbers, map keys sorted. Input keys match
 * case-insensitively and unknown keys are ignored.
 */

// ---- Writing ---------------------------------------------------------------------------

const INTEGER_TEXT = /^-?(0|[1-9][0-9]*)$/;

/** `message` as compact JSON, as Go's `json.Marshal` writes the server's struct. */
export function encodeWire<T>(schema: WireSchema<T>, message: T): string {
  const record = message as Record<string, unknown>;
  const parts: string[] = [];
  for (const { name, kind } of schema.fields) {
    const encoded = encodeField(kind, record[name]);
    if (encoded !== undefined) parts.push(`${goJsonString(name)}:${encoded}`);
  }
  return `{${parts.join(',')}}`;
}

/** One field's JSON, or undefined when `omitempty` leaves it out. */
function encodeField(kind: FieldKind, value: unknown): string | undefined {
  switch (kind.type) {
    case 'string':
      return typeof value === 'string' && value !== '' ? goJsonString(value) : undefined;
    case 'bool':
      return value === true ? 'true' : undefined;
    case 'int32':
      return typeof value === 'number' && value !== 0 ? String(Math.trunc(value)) : undefined;
    case 'int64': {
      const text = String(value ?? '0');
      return INTEGER_TEXT.test(text) && text !== '0' ? text : undefined;
    }
    case 'bytes': {
      const bytes = value as Uint8Array | undefined;
      if (!bytes || bytes.length === 0) return undefined;
      return `"${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64')}"`;
    }
    case 'tags': {
      const tags = (value ?? {}) as Record<string, string>;
      const keys = Object.keys(tags).sort();
      if (keys.length === 0) return undefined;
      return `{${keys.map((key) => `${goJsonString(key)}:${goJsonString(String(tags[key]))}`).join(',')}}`;
    }
    case 'message':
      return value === null || value === undefined ? undefined : encodeWire(kind.schema(), value);
    case 'repeated': {
      const items = (value ?? []) as unknown[];
      if (items.length === 0) return undefined;
      return `[${items.map((item) => encodeWire(kind.schema(), item)).join(',')}]`;
    }
  }
}

// ---- Reading ---------------------------------------------------------------------------

/**
 * Go's `*json.UnmarshalTypeError`: a JSON value of the wrong type for a
 * field. Decoding goes on; the first such error is reported at the end.
 */
export class WireTypeError extends Error {
  constructor(
    /** What was found: `string`, `number`, `number 1.5`, `bool`, `array`, `object`. */
    readonly found: string,
    /** The Go type expected, e.g. `int32`. */
    readonly goType: string,
    /** The Go struct name, e.g. `Request` ("" at the top level). */
    readonly struct: string,
    /** The field path, e.g. `Timeout` ("" at the top level). */
    readonly field: string,
    /** Go's decoder offset when it noticed. */
    readonly offset: number,
  ) {
    super(
      struct || field
        ? `json: cannot unmarshal ${found} into Go struct field ${struct}.${field} of type ${goType}`
        : `json: cannot unmarshal ${found} into Go value of type ${goType}`,
    );
    this.name = 'WireTypeError';
  }
}

/**
 * Decodes a parsed JSON value into a message, as Go's `json.Unmarshal`
 * does into the server's struct: `null` leaves a field alone, unknown keys
 * are skipped, keys match exactly or else case-insensitively.
 *
 * @throws WireTypeError or WireBase64Error (the first problem, after
 *   reading everything).
 */
export function decodeWire<T>(schema: WireSchema<T>, node: JsonNode): T {
  const message = schema.empty();
  const record = message as Record<string, unknown>;
  let firstError: Error | undefined;
  const save = (error: Error): void => {
    firstError ??= error;
  };
  if (node.kind === 'null') return message;
  if (node.kind !== 'object') {
    throw new WireTypeError(node.kind, `kubemq.${schema.goName}`, '', '', mismatchOffset(node));
  }
  for (const { key, value } of node.entries) {
    const field = findField(schema, key);
    if (!field || value.kind === 'null') continue;
    const context = { struct: schema.goName, field: field.name, save };
    const decoded = decodeField(field.kind, value, context, record[field.name]);
    if (decoded !== SKIP) record[field.name] = decoded;
  }
  if (firstError) throw firstError;
  return message;
}

function findField(schema: WireSchema<unknown>, key: string): Field | undefined {
  const exact = schema.fields.find((f) => f.name === key);
  if (exact) return exact;
  const folded = key.toLowerCase();
  return schema.fields.find((f) => f.name.toLowerCase() === folded);
}

const SKIP = Symbol('skip');

interface FieldContext {
  struct: string;
  field: string;
  save(error: Error): void;
}

/** The offset Go reports for a mismatch: just inside a container, just past a literal. */
function mismatchOffset(node: JsonNode): number {
  return node.kind === 'object' || node.kind === 'array' ? node.start + 1 : node.end;
}

function mismatch(node: JsonNode, goType: string, ctx: FieldContext, found?: string): typeof SKIP {
  ctx.save(
    new WireTypeError(found ?? node.kind, goType, ctx.struct, ctx.field, mismatchOffset(node)),
  );
  return SKIP;
}

function decodeField(
  kind: FieldKind,
  node: JsonNode,
  ctx: FieldContext,
  current: unknown,
): unknown {
  switch (kind.type) {
    case 'string':
      return node.kind === 'string' ? node.value : mismatch(node, 'string', ctx);
    case 'bool':
      return node.kind === 'bool' ? node.value : mismatch(node, 'bool', ctx);
    case 'int32':
      return decodeInt32(node, kind.goType, ctx);
    case 'int64':
      return decodeInt64(node, kind.goType, ctx);
    case 'bytes':
      return decodeBytes(node, ctx);
    case 'tags':
      return decodeTags(node, ctx, current as Record<string, string>);
    case 'message':
      return decodeNested(kind.schema(), node, ctx);
    case 'repeated':
      if (node.kind !== 'array') return mismatch(node, `[]*kubemq.${kind.schema().goName}`, ctx);
      return node.items.map((item) => decodeNested(kind.schema(), item, ctx));
  }
}

/** A nested message; its first problem is reported with the outer struct and the field path. */
function decodeNested(schema: WireSchema<unknown>, node: JsonNode, ctx: FieldContext): unknown {
  if (node.kind === 'null') return null;
  try {
    return decodeWire(schema, node);
  } catch (error) {
    if (error instanceof WireTypeError) {
      const field = error.field ? `${ctx.field}.${error.field}` : ctx.field;
      ctx.save(new WireTypeError(error.found, error.goType, ctx.struct, field, error.offset));
    } else {
      ctx.save(error as Error);
    }
    return SKIP;
  }
}

function decodeInt32(node: JsonNode, goType: string, ctx: FieldContext): number | typeof SKIP {
  if (node.kind !== 'number') return mismatch(node, goType, ctx);
  const text = node.text;
  if (INTEGER_TEXT.test(text)) {
    const value = Number(text);
    if (value >= -2147483648 && value <= 2147483647) return value;
  }
  return mismatch(node, goType, ctx, `number ${text}`);
}

function decodeInt64(node: JsonNode, goType: string, ctx: FieldContext): string | typeof SKIP {
  if (node.kind !== 'number') return mismatch(node, goType, ctx);
  const text = node.text;
  if (INTEGER_TEXT.test(text)) {
    const value = BigInt(text);
    const fits =
      goType === 'uint64'
        ? value >= 0n && value < 2n ** 64n
        : value >= -(2n ** 63n) && value < 2n ** 63n;
    if (fits) return value.toString();
  }
  return mismatch(node, goType, ctx, `number ${text}`);
}

function decodeBytes(node: JsonNode, ctx: FieldContext): Uint8Array | typeof SKIP {
  if (node.kind === 'string') {
    try {
      return decodeStdBase64(node.value);
    } catch (error) {
      ctx.save(error as Error);
      return SKIP;
    }
  }
  if (node.kind === 'array') {
    // Go fills a []byte from a JSON array of numbers too.
    const out = new Uint8Array(node.items.length);
    let ok = true;
    node.items.forEach((item, i) => {
      const text = item.kind === 'number' ? item.text : undefined;
      if (text !== undefined && /^(0|[1-9][0-9]*)$/.test(text) && Number(text) <= 255) {
        out[i] = Number(text);
      } else if (item.kind !== 'null') {
        ok = false;
        mismatch(item, 'uint8', ctx, item.kind === 'number' ? `number ${item.text}` : undefined);
      }
    });
    return ok ? out : SKIP;
  }
  return mismatch(node, '[]uint8', ctx);
}

function decodeTags(
  node: JsonNode,
  ctx: FieldContext,
  current: Record<string, string>,
): Record<string, string> | typeof SKIP {
  if (node.kind !== 'object') return mismatch(node, 'map[string]string', ctx);
  const tags = { ...current };
  for (const { key, value } of node.entries) {
    if (value.kind === 'string') tags[key] = value.value;
    else if (value.kind === 'null') tags[key] = '';
    else mismatch(value, 'string', { ...ctx, field: `${ctx.field}.${key}` });
  }
  return tags;
}
