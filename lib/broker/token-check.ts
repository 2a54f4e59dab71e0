import {
  status as GrpcStatus,
  type Metadata,
  type ServerErrorResponse,
  type UntypedHandleCall,
} from '@grpc/grpc-js';
import { type KubeMQMethodName } from '../kubemq/proto';

/**
 * KubeMQ Community accepts any token. Enterprise checks the `authorization`
 * metadata; its exact refusal is not public, so this imitates the
 * catalogued text: UNAUTHENTICATED with `Error 421: authentication
 * verification failed, <reason>`.
 */
function tokenRefusal(metadata: Metadata, token: string): ServerErrorResponse | undefined {
  const sent = metadata.get('authorization')[0];
  if (sent === token) return undefined;
  const reason =
    sent === undefined || sent === '' ? 'no authorization token' : 'invalid authorization token';
  const error = new Error(
    `Error 421: authentication verification failed, ${reason}`,
  ) as ServerErrorResponse;
  error.code = GrpcStatus.UNAUTHENTICATED;
  error.details = error.message;
  return error;
}

type AnyCall = {
  metadata: Metadata;
  emit?: (event: 'error', error: ServerErrorResponse) => boolean;
};
type AnyHandler = (call: AnyCall, callback?: (error: ServerErrorResponse) => void) => void;

/** Wraps every handler so that a call without the right token is refused before it runs. */
export function requireToken(
  handlers: Record<KubeMQMethodName, UntypedHandleCall>,
  token: string,
): Record<KubeMQMethodName, UntypedHandleCall> {
  const guarded = {} as Record<KubeMQMethodName, UntypedHandleCall>;
  for (const name of Object.keys(handlers) as KubeMQMethodName[]) {
    const handler = handlers[name] as unknown as AnyHandler;
    const wrapped: AnyHandler = (call, callback) => {
      const refusal = tokenRefusal(call.metadata, token);
      if (!refusal) return handler(call, callback);
      // Unary calls answer through the callback; streams end with the status.
      if (callback) callback(refusal);
      else call.emit?.('error', refusal);
    };
    guarded[name] = wrapped as unknown as UntypedHandleCall;
  }
  return guarded;
}
