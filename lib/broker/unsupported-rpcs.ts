import type {
  handleBidiStreamingCall,
  handleUnaryCall,
  ServerDuplexStream,
  UntypedHandleCall,
} from '@grpc/grpc-js';
import type { KubeMQMethodName } from '../kubemq/proto';
import { notSupported } from './broker-status';
import { endStream } from './open-streams';

/** The queue RPCs KubeMQTestBroker does not implement (yet). */
export type UnsupportedMethodName = Extract<
  KubeMQMethodName,
  | 'SendQueueMessage'
  | 'SendQueueMessagesBatch'
  | 'ReceiveQueueMessages'
  | 'AckAllQueueMessages'
  | 'QueuesInfo'
  | 'StreamQueueMessage'
  | 'QueuesDownstream'
  | 'QueuesUpstream'
>;

const UNARY: readonly UnsupportedMethodName[] = [
  'SendQueueMessage',
  'SendQueueMessagesBatch',
  'ReceiveQueueMessages',
  'AckAllQueueMessages',
  'QueuesInfo',
];

const BIDI: readonly UnsupportedMethodName[] = [
  'StreamQueueMessage',
  'QueuesDownstream',
  'QueuesUpstream',
];

function refuseUnary(method: string): handleUnaryCall<object, object> {
  const refusal = notSupported(`queues (${method})`);
  return (_call, callback) => callback(refusal);
}

function refuseBidi(method: string): handleBidiStreamingCall<object, object> {
  const refusal = notSupported(`queues (${method})`);
  return (call: ServerDuplexStream<object, object>) => {
    // Drain whatever the client sends so the stream can finish.
    call.on('data', () => undefined);
    endStream(call, refusal);
  };
}

/**
 * Handlers that answer every queue RPC with UNIMPLEMENTED and a message
 * naming the RPC, rather than pretending to queue anything.
 */
export function unsupportedQueueHandlers(): Record<UnsupportedMethodName, UntypedHandleCall> {
  const handlers = {} as Record<UnsupportedMethodName, UntypedHandleCall>;
  for (const method of UNARY) handlers[method] = refuseUnary(method);
  for (const method of BIDI) handlers[method] = refuseBidi(method);
  return handlers;
}
