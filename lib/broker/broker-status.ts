import { status, type StatusObject } from '@grpc/grpc-js';
import { KubeMQErrorText } from '../kubemq/errors';

/** A gRPC status to end a call with (what grpc-js accepts from handlers). */
export type CallStatus = Pick<StatusObject, 'code' | 'details'>;

/** The status the real server uses for request/event errors: INTERNAL with the KubeMQ text. */
export function internalError(details: string): CallStatus {
  return { code: status.INTERNAL, details };
}

/** SendRequest without (a timely) reply: INTERNAL `Error 301: timeout for request message`. */
export const REQUEST_TIMEOUT: CallStatus = internalError(KubeMQErrorText.requestTimeout);

/** Calls still open, or arriving, while the broker stops. */
export const BROKER_STOPPED: CallStatus = {
  code: status.UNAVAILABLE,
  details: `${KubeMQErrorText.serverShutdown} (KubeMQTestBroker stopped)`,
};
