import { type OtelAttributes } from './opentelemetry';

/**
 * The attributes of OpenTelemetry's messaging (and RPC) semantic
 * conventions we set, by their stable names; the `messaging.kubemq.*` ones
 * are ours, as the conventions ask for system-specific attributes.
 */
export const ATTR = {
  system: 'messaging.system',
  destination: 'messaging.destination.name',
  destinationTemplate: 'messaging.destination.template',
  operationType: 'messaging.operation.type',
  operationName: 'messaging.operation.name',
  messageId: 'messaging.message.id',
  bodySize: 'messaging.message.body.size',
  batchCount: 'messaging.batch.message_count',
  clientId: 'messaging.client.id',
  consumerGroup: 'messaging.consumer.group.name',
  serverAddress: 'server.address',
  serverPort: 'server.port',
  rpcSystem: 'rpc.system',
  rpcMethod: 'rpc.method',
  kubemqType: 'messaging.kubemq.message.type',
  kubemqSequence: 'messaging.kubemq.message.sequence',
} as const;

/** `messaging.system` and `rpc.system`. */
export const KUBEMQ_SYSTEM = 'kubemq';

/** The KubeMQ kinds of message a span can be about. */
export type TracedKind = 'command' | 'query' | 'event' | 'events-store' | 'queue';

/** Commands and queries are RPC: CLIENT/SERVER spans with the rpc.* attributes too. */
export function isRpc(kind: TracedKind): boolean {
  return kind === 'command' || kind === 'query';
}

/** `server.address` / `server.port` of a `host:port` address. */
export function serverAttributes(address: string): OtelAttributes {
  const colon = address.lastIndexOf(':');
  if (colon <= 0) return { [ATTR.serverAddress]: address };
  const port = Number(address.slice(colon + 1));
  const host = address.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  return Number.isInteger(port)
    ? { [ATTR.serverAddress]: host, [ATTR.serverPort]: port }
    : { [ATTR.serverAddress]: address };
}
