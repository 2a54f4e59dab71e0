import {
  makeEvent,
  makeRequest,
  makeResponse,
  type KubeMQEvent,
  type KubeMQEventReceive,
  type KubeMQRequest,
  type KubeMQResponse,
  type KubeMQResult,
  type PingResult,
} from '../../kubemq/messages';

/**
 * The KubeMQ messages' Go structs as the REST face sees them: each message's
 * Go name and its fields in proto order, with how each field is typed.
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

const STRING = { type: 'string' } as const;
const BOOL = { type: 'bool' } as const;
const BYTES = { type: 'bytes' } as const;
const TAGS = { type: 'tags' } as const;
const INT32 = { type: 'int32', goType: 'int32' } as const;
const INT64 = { type: 'int64', goType: 'int64' } as const;
const UINT64 = { type: 'int64', goType: 'uint64' } as const;

function fields(list: Array<[string, FieldKind]>): Field[] {
  return list.map(([name, kind]) => ({ name, kind }));
}

export const REQUEST_SCHEMA: WireSchema<KubeMQRequest> = {
  goName: 'Request',
  empty: () => makeRequest({}),
  fields: fields([
    ['RequestID', STRING],
    ['RequestTypeData', { type: 'int32', goType: 'kubemq.Request_RequestType' }],
    ['ClientID', STRING],
    ['Channel', STRING],
    ['Metadata', STRING],
    ['Body', BYTES],
    ['ReplyChannel', STRING],
    ['Timeout', INT32],
    ['CacheKey', STRING],
    ['CacheTTL', INT32],
    ['Span', BYTES],
    ['Tags', TAGS],
  ]),
};

export const RESPONSE_SCHEMA: WireSchema<KubeMQResponse> = {
  goName: 'Response',
  empty: () => makeResponse({}),
  fields: fields([
    ['ClientID', STRING],
    ['RequestID', STRING],
    ['ReplyChannel', STRING],
    ['Metadata', STRING],
    ['Body', BYTES],
    ['CacheHit', BOOL],
    ['Timestamp', INT64],
    ['Executed', BOOL],
    ['Error', STRING],
    ['Span', BYTES],
    ['Tags', TAGS],
  ]),
};

export const EVENT_SCHEMA: WireSchema<KubeMQEvent> = {
  goName: 'Event',
  empty: () => makeEvent({}),
  fields: fields([
    ['EventID', STRING],
    ['ClientID', STRING],
    ['Channel', STRING],
    ['Metadata', STRING],
    ['Body', BYTES],
    ['Store', BOOL],
    ['Tags', TAGS],
  ]),
};

export const EVENT_RECEIVE_SCHEMA: WireSchema<KubeMQEventReceive> = {
  goName: 'EventReceive',
  empty: () => ({
    EventID: '',
    Channel: '',
    Metadata: '',
    Body: new Uint8Array(0),
    Timestamp: '0',
    Sequence: '0',
    Tags: {},
  }),
  fields: fields([
    ['EventID', STRING],
    ['Channel', STRING],
    ['Metadata', STRING],
    ['Body', BYTES],
    ['Timestamp', INT64],
    ['Sequence', UINT64],
    ['Tags', TAGS],
  ]),
};

export const RESULT_SCHEMA: WireSchema<KubeMQResult> = {
  goName: 'Result',
  empty: () => ({ EventID: '', Sent: false, Error: '' }),
  fields: fields([
    ['EventID', STRING],
    ['Sent', BOOL],
    ['Error', STRING],
  ]),
};

export const PING_SCHEMA: WireSchema<PingResult> = {
  goName: 'PingResult',
  empty: () => ({ Host: '', Version: '', ServerStartTime: '0', ServerUpTimeSeconds: '0' }),
  fields: fields([
    ['Host', STRING],
    ['Version', STRING],
    ['ServerStartTime', INT64],
    ['ServerUpTimeSeconds', INT64],
  ]),
};
