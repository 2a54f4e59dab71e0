import { type MethodDefinition } from '@grpc/proto-loader';
import { kubemqServiceDefinition } from './proto';

type Method = MethodDefinition<object, object>;

/** The RPCs the transport calls, with their paths and (de)serializers resolved once. */
export interface KubeMQMethods {
  Ping: Method;
  SendRequest: Method;
  SendResponse: Method;
  SubscribeToRequests: Method;
  SendEvent: Method;
  SubscribeToEvents: Method;
}

let prepared: KubeMQMethods | undefined;

export function prepareMethods(): KubeMQMethods {
  if (prepared) return prepared;
  const service = kubemqServiceDefinition();
  prepared = {
    Ping: service.Ping,
    SendRequest: service.SendRequest,
    SendResponse: service.SendResponse,
    SubscribeToRequests: service.SubscribeToRequests,
    SendEvent: service.SendEvent,
    SubscribeToEvents: service.SubscribeToEvents,
  };
  return prepared;
}
