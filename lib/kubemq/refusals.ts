import { status as GrpcStatus } from '@grpc/grpc-js';
import type { KubeMQError } from './kubemq-error';

/**
 * Which refusals a retry cannot fix, in one place for every reconnecting
 * reader (stream subscriptions, queue lanes): retrying those only hammers
 * the broker with what it will refuse again.
 */

/** gRPC statuses no retry fixes: an unknown RPC, bad credentials, bad names or values. */
function isPermanentStatus(grpcCode: number | undefined): boolean {
  switch (grpcCode) {
    case GrpcStatus.UNIMPLEMENTED:
    case GrpcStatus.UNAUTHENTICATED:
    case GrpcStatus.PERMISSION_DENIED:
    case GrpcStatus.INVALID_ARGUMENT:
      return true;
    default:
      return false;
  }
}

/**
 * Whether the end of a subscription stream is permanent: one of those
 * statuses, or KubeMQ's validation texts under INTERNAL ("Error 1xx/2xx";
 * 3xx are transient).
 */
export function isPermanentStreamEnd(error: KubeMQError): boolean {
  if (error.grpcCode === GrpcStatus.INTERNAL) {
    return error.kubemqCode !== undefined && error.kubemqCode < 300;
  }
  return isPermanentStatus(error.grpcCode);
}

/** In-band queue refusals: ClientID (101), queue name (120), visibility (127), wait (136). */
const PERMANENT_QUEUE_CODES: readonly number[] = [101, 120, 127, 136];

/**
 * Whether a queue transaction's failure is permanent: one of those statuses,
 * or an in-band refusal (no gRPC status) of the receive's own values.
 */
export function isPermanentQueueRefusal(error: KubeMQError): boolean {
  if (error.grpcCode === undefined) {
    return PERMANENT_QUEUE_CODES.includes(error.kubemqCode ?? 0);
  }
  return isPermanentStatus(error.grpcCode);
}
