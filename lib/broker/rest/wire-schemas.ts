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
import {
  BOOL,
  BYTES,
  fields,
  INT32,
  INT64,
  STRING,
  TAGS,
  UINT64,
  type WireSchema,
} from './wire-fields';

/**
 * The KubeMQ messages' Go structs as the REST face sees them: each message's
 * Go name and its fields in proto order, with how each field is typed
 * (wire-fields).
 */

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
