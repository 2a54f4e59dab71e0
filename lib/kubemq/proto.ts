import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadSync, type MethodDefinition, type PackageDefinition } from '@grpc/proto-loader';

/** gRPC service path prefix the real server registers (lower-case service). */
export const KUBEMQ_SERVICE_NAME = 'kubemq.kubemq';

/** 100 MiB: the real server's `Grpc.BodyLimit`, applied to whole messages both ways. */
export const KUBEMQ_MAX_MESSAGE_BYTES = 104_857_600;

/**
 * Options shared by the client and the broker: keep the PascalCase field
 * names of the wire, decode int64 as decimal strings (nanosecond timestamps
 * overflow a JS number), fill defaults so "" / 0 / false checks read the
 * same as the Go server's.
 */
const LOADER_OPTIONS = {
  keepCase: true,
  longs: String,
  enums: Number,
  defaults: true,
  arrays: true,
  objects: true,
  oneofs: false,
} as const;

function findProtoFile(): string {
  // Walk up from the compiled file: dist/kubemq, build/lib/kubemq and
  // lib/kubemq all reach the package root's protos/ within a few levels.
  let dir = __dirname;
  for (let i = 0; i < 6; i += 1) {
    const candidate = join(dir, 'protos', 'kubemq.proto');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error(`nestjs-kubemq: protos/kubemq.proto not found above ${__dirname}`);
}

let cached: PackageDefinition | undefined;

/** The loaded KubeMQ package definition (loaded once per process). */
export function kubemqPackageDefinition(): PackageDefinition {
  cached ??= loadSync(findProtoFile(), LOADER_OPTIONS);
  return cached;
}

/** Method names of the `kubemq.kubemq` service. */
export type KubeMQMethodName =
  | 'SendEvent'
  | 'SendEventsStream'
  | 'SubscribeToEvents'
  | 'SubscribeToRequests'
  | 'SendRequest'
  | 'SendResponse'
  | 'SendQueueMessage'
  | 'SendQueueMessagesBatch'
  | 'ReceiveQueueMessages'
  | 'StreamQueueMessage'
  | 'AckAllQueueMessages'
  | 'Ping'
  | 'QueuesDownstream'
  | 'QueuesUpstream'
  | 'QueuesInfo';

/** The service definition, keyed by method name (path, serializers, streaming flags). */
export function kubemqServiceDefinition(): Record<
  KubeMQMethodName,
  MethodDefinition<object, object>
> {
  return kubemqPackageDefinition()[KUBEMQ_SERVICE_NAME] as unknown as Record<
    KubeMQMethodName,
    MethodDefinition<object, object>
  >;
}
