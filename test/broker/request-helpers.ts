// Shared by the request conformance tests: a request builder and
// responders/listeners made with the raw gRPC client.
import {
  RequestType,
  SubscribeType,
  type KubeMQRequest,
  type RequestTypeValue,
} from '../../lib/kubemq/messages';
import type { RawKubeMQClient, StreamReader } from '../support/raw-kubemq-client';

export const NUID = /^[0-9A-Za-z]{22}$/;
export const INBOX = /^_INBOX\.[0-9A-Za-z]{22}\.[0-9A-Za-z]{8}$/;

/** A valid request of `type` to `channel` (Timeout 5 s), with `fields` applied. */
export function request(
  type: RequestTypeValue,
  channel: string,
  fields: Partial<KubeMQRequest> = {},
): Partial<KubeMQRequest> {
  return {
    RequestTypeData: type,
    ClientID: 'routing-sender',
    Channel: channel,
    Body: Buffer.from('ping'),
    Timeout: 5000,
    ...fields,
  };
}

export function subscribeType(type: RequestTypeValue): number {
  return type === RequestType.Command ? SubscribeType.Commands : SubscribeType.Queries;
}

/** A responder that answers every request with its own name in Metadata and Body. */
export function responder(
  client: RawKubeMQClient,
  type: RequestTypeValue,
  channel: string,
  name: string,
  group = '',
): StreamReader<KubeMQRequest> {
  return client.serveRequests(
    { SubscribeTypeData: subscribeType(type), ClientID: name, Channel: channel, Group: group },
    () => ({ ClientID: name, Metadata: name, Body: Buffer.from(name), Executed: true }),
  );
}

/** A subscriber that never answers. */
export function listener(
  client: RawKubeMQClient,
  type: RequestTypeValue,
  channel: string,
  group = '',
): StreamReader<KubeMQRequest> {
  return client.subscribeToRequests({
    SubscribeTypeData: subscribeType(type),
    ClientID: 'routing-listener',
    Channel: channel,
    Group: group,
  });
}
