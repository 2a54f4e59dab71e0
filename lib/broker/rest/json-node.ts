/**
 * The tree the Go-style JSON reader (go-json-reader.ts) builds: every value
 * with its byte offsets, numbers kept as their source text.
 */

interface NodeBase {
  /** Byte offset where the value starts. */
  readonly start: number;
  /** Byte offset just past the value. */
  readonly end: number;
}

export type JsonNode =
  | (NodeBase & { readonly kind: 'object'; readonly entries: readonly JsonEntry[] })
  | (NodeBase & { readonly kind: 'array'; readonly items: readonly JsonNode[] })
  | (NodeBase & { readonly kind: 'string'; readonly value: string })
  | (NodeBase & { readonly kind: 'number'; readonly text: string })
  | (NodeBase & { readonly kind: 'bool'; readonly value: boolean })
  | (NodeBase & { readonly kind: 'null' });

export interface JsonEntry {
  readonly key: string;
  readonly value: JsonNode;
}
