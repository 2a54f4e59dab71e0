/**
 * How the REST face describes a KubeMQ message's Go struct: each field's
 * Go type, and the builders the schema files (wire-schemas,
 * queue-wire-schemas) write their messages with.
 */

/** How one field is typed on the Go side. */
export type FieldKind =
  | { readonly type: 'string' }
  | { readonly type: 'bool' }
  | { readonly type: 'bytes' }
  | { readonly type: 'tags' }
  /** A signed integer kept as a JS number (int32 and enums); `goType` names it in errors. */
  | { readonly type: 'int32'; readonly goType: string }
  /** A 64-bit integer kept as its decimal text. */
  | { readonly type: 'int64'; readonly goType: 'int64' | 'uint64' }
  /** A nested message (a Go pointer: `null` when absent, `{}` when present but empty). */
  | { readonly type: 'message'; readonly schema: () => WireSchema<unknown> }
  /** A repeated nested message (a Go slice). */
  | { readonly type: 'repeated'; readonly schema: () => WireSchema<unknown> };

export interface Field {
  readonly name: string;
  readonly kind: FieldKind;
}

/** One message type: its Go name (for error texts) and its fields in proto order. */
export interface WireSchema<T> {
  readonly goName: string;
  readonly fields: readonly Field[];
  /** A message with every field at its default. */
  readonly empty: () => T;
}

export const STRING = { type: 'string' } as const;
export const BOOL = { type: 'bool' } as const;
export const BYTES = { type: 'bytes' } as const;
export const TAGS = { type: 'tags' } as const;
export const INT32 = { type: 'int32', goType: 'int32' } as const;
export const INT64 = { type: 'int64', goType: 'int64' } as const;
export const UINT64 = { type: 'int64', goType: 'uint64' } as const;

/** Fields in proto order from [name, kind] pairs. */
export function fields(list: Array<[string, FieldKind]>): Field[] {
  return list.map(([name, kind]) => ({ name, kind }));
}

/** A nested message field (a Go pointer). */
export function message<T>(schema: () => WireSchema<T>): FieldKind {
  return { type: 'message', schema: schema as () => WireSchema<unknown> };
}

/** A repeated nested message field (a Go slice). */
export function repeated<T>(schema: () => WireSchema<T>): FieldKind {
  return { type: 'repeated', schema: schema as () => WireSchema<unknown> };
}
