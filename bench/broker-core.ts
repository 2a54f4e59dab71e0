import { performance } from 'node:perf_hooks';
import { RequestRouter } from '../lib/broker/request-router';
import { requestError, responseError } from '../lib/broker/validation';
import {
  makeRequest,
  makeResponse,
  RequestType,
  type KubeMQResponse,
} from '../lib/kubemq/messages';
import { kubemqServiceDefinition } from '../lib/kubemq/proto';
import { bodyBytes } from './contenders/types';

/**
 * The broker's own work per round trip, without gRPC: in-process loops over
 * (a) its routing (validation, ReplyChannel, pending map, subscriber
 * delivery, matching the response) and (b) the protobuf work its gRPC
 * methods do per round trip (decode Request, encode it to the subscriber,
 * decode Response, encode it to the sender). Whatever else the broker
 * process spends per request is grpc-js and Node's HTTP/2.
 */
export interface BrokerCoreResult {
  size: number;
  routingUs: number;
  codecUs: number;
}

function timePerOp(iterations: number, body: () => void): number {
  for (let i = 0; i < Math.min(iterations, 20_000); i += 1) body();
  const t0 = performance.now();
  for (let i = 0; i < iterations; i += 1) body();
  return ((performance.now() - t0) * 1000) / iterations;
}

export function measureBrokerCore(size: number, iterations: number): BrokerCoreResult {
  const body = bodyBytes(size);
  const router = new RequestRouter();
  let answered = 0;
  router.subscribe(RequestType.Query, {
    pattern: 'bench.q',
    group: '',
    deliver: (request) => {
      const response = makeResponse({
        ClientID: 'responder',
        RequestID: request.RequestID,
        ReplyChannel: request.ReplyChannel,
        Executed: true,
        Body: request.Body,
      });
      if (responseError(response)) throw new Error('invalid response');
      router.respond(response);
    },
  });
  const done = (_failure: unknown, _response?: KubeMQResponse) => {
    answered += 1;
  };
  const routingUs = timePerOp(iterations, () => {
    const request = makeRequest({
      RequestTypeData: RequestType.Query,
      ClientID: 'sender',
      Channel: 'bench.q',
      Body: body,
      Timeout: 10_000,
    });
    if (requestError(request)) throw new Error('invalid request');
    router.send(request, done);
  });
  if (answered === 0 || router.pendingCount !== 0)
    throw new Error('broker core loop did not answer');

  const service = kubemqServiceDefinition();
  const send = service.SendRequest;
  const reply = service.SendResponse;
  const stream = service.SubscribeToRequests;
  const requestWire = send.requestSerialize(
    makeRequest({
      RequestTypeData: 2,
      ClientID: 'sender',
      Channel: 'bench.q',
      Body: body,
      Timeout: 10_000,
    }),
  );
  const responseWire = reply.requestSerialize(
    makeResponse({
      ClientID: 'r',
      RequestID: 'id',
      ReplyChannel: '_INBOX.x',
      Executed: true,
      Body: body,
    }),
  );
  const codecUs = timePerOp(iterations, () => {
    const request = send.requestDeserialize(requestWire);
    stream.responseSerialize(request);
    const response = reply.requestDeserialize(responseWire);
    reply.responseSerialize({});
    send.responseSerialize(response);
  });
  return { size, routingUs, codecUs };
}
