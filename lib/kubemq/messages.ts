/**
 * Wire messages of the KubeMQ gRPC protocol, with the field names the
 * server uses. int64/uint64 fields are decimal strings: nanosecond
 * timestamps and sequences do not fit a JS number.
 */

/** Request.RequestType */
export const RequestType = { Unknown: 0, Command: 1, Query: 2 } as const;
export type RequestTypeValue = (typeof RequestType)[keyof typeof RequestType];

/** Subscribe.SubscribeType */
export const SubscribeType = {
  Undefined: 0,
  Events: 1,
  EventsStore: 2,
  Commands: 3,
  Queries: 4,
} as const;
export type SubscribeTypeValue = (typeof SubscribeType)[keyof typeof SubscribeType];

/** Subscribe.EventsStoreType */
export const EventsStoreType = {
  Undefined: 0,
  StartNewOnly: 1,
  StartFromFirst: 2,
  StartFromLast: 3,
  StartAtSequence: 4,
  StartAtTime: 5,
  StartAtTimeDelta: 6,
} as const;
export type EventsStoreTypeValue = (typeof EventsStoreType)[keyof typeof EventsStoreType];

export type Tags = Record<string, string>;

export interface PingResult {
  Host: string;
  Version: string;
  ServerStartTime: string;
  ServerUpTimeSeconds: string;
}

export interface KubeMQRequest {
  RequestID: string;
  RequestTypeData: number;
  ClientID: string;
  Channel: string;
  Metadata: string;
  Body: Uint8Array;
  ReplyChannel: string;
  Timeout: number;
  CacheKey: string;
  CacheTTL: number;
  Span: Uint8Array;
  Tags: Tags;
}

export interface KubeMQResponse {
  ClientID: string;
  RequestID: string;
  ReplyChannel: string;
  Metadata: string;
  Body: Uint8Array;
  CacheHit: boolean;
  /** int64, unit chosen by the responder's SDK (s, ms or ns). */
  Timestamp: string;
  Executed: boolean;
  Error: string;
  Span: Uint8Array;
  Tags: Tags;
}

export interface KubeMQSubscribe {
  SubscribeTypeData: number;
  ClientID: string;
  Channel: string;
  Group: string;
  EventsStoreTypeData: number;
  EventsStoreTypeValue: string;
}

export interface KubeMQEvent {
  EventID: string;
  ClientID: string;
  Channel: string;
  Metadata: string;
  Body: Uint8Array;
  Store: boolean;
  Tags: Tags;
}

export interface KubeMQEventReceive {
  EventID: string;
  Channel: string;
  Metadata: string;
  Body: Uint8Array;
  /** int64 Unix ns ("0" for plain events). */
  Timestamp: string;
  /** uint64 ("0" for plain events). */
  Sequence: string;
  Tags: Tags;
}

export interface KubeMQResult {
  EventID: string;
  Sent: boolean;
  Error: string;
}

// A Buffer, as the decoders give for an empty bytes field.
const EMPTY: Uint8Array = Buffer.alloc(0);

/** A Request with every field at its proto default. */
export function emptyRequest(): KubeMQRequest {
  return {
    RequestID: '',
    RequestTypeData: RequestType.Unknown,
    ClientID: '',
    Channel: '',
    Metadata: '',
    Body: EMPTY,
    ReplyChannel: '',
    Timeout: 0,
    CacheKey: '',
    CacheTTL: 0,
    Span: EMPTY,
    Tags: {},
  };
}

/** A Request with every field at its proto default, then `fields` applied. */
export function makeRequest(fields: Partial<KubeMQRequest>): KubeMQRequest {
  return Object.assign(emptyRequest(), fields);
}

/** A Response with every field at its proto default. */
export function emptyResponse(): KubeMQResponse {
  return {
    ClientID: '',
    RequestID: '',
    ReplyChannel: '',
    Metadata: '',
    Body: EMPTY,
    CacheHit: false,
    Timestamp: '0',
    Executed: false,
    Error: '',
    Span: EMPTY,
    Tags: {},
  };
}

/** A Response with every field at its proto default, then `fields` applied. */
export function makeResponse(fields: Partial<KubeMQResponse>): KubeMQResponse {
  return Object.assign(emptyResponse(), fields);
}

/** A Subscribe with every field at its proto default, then `fields` applied. */
export function makeSubscribe(fields: Partial<KubeMQSubscribe>): KubeMQSubscribe {
  return {
    SubscribeTypeData: SubscribeType.Undefined,
    ClientID: '',
    Channel: '',
    Group: '',
    EventsStoreTypeData: EventsStoreType.Undefined,
    EventsStoreTypeValue: '0',
    ...fields,
  };
}

/** An Event with every field at its proto default, then `fields` applied. */
export function makeEvent(fields: Partial<KubeMQEvent>): KubeMQEvent {
  return {
    EventID: '',
    ClientID: '',
    Channel: '',
    Metadata: '',
    Body: EMPTY,
    Store: false,
    Tags: {},
    ...fields,
  };
}
