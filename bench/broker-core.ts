import { performance } from 'node:perf_hooks';
import { RequestRouter } from '../lib/broker/request-router';
import { requestError, responseError } from '../lib/broker/validation';
import {
  makeRequest,
  makeResponse,
  RequestType,
  type KubeMQResponse,
} from '../lib/kubemq/messages';
import { fastServiceDefinition } from '../lib/kubemq/methods';
import { kubemqServiceDefinition } from '../lib/kubemq/proto';
import { bodyBytes } from './contenders/types';

/**
 * The broker's own work per round trip, without gRPC: in-process loops over
 * (a) its routing (validation, ReplyChannel, pending map, subscriber
 * delivery, matching the response) and (b) the protobuf work its gRPC
 * methods do per round trip, with its codec and with proto-loader's (decode Request, encode it to the subscriber,
 * decode Response, encode it to the sender). Whatever else the broker
 * process spends per request is grpc-js and Node's HTTP/2.
 */
export interface BrokerCoreResult {
  size: number;
  routingUs: number;
  /** The broker's codec (lib/kubemq/hot-codec for Request and Response). */
  codecUs: number;
  /** The same work with proto-loader's serializers, for reference. */
  protoLoaderCodecUs: number;
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

  const codecUs = codecLoop(fastServiceDefinition(), body, iterations);
  const protoLoaderCodecUs = codecLoop(kubemqServiceDefinition(), body, iterations);
  return { size, routingUs, codecUs, protoLoaderCodecUs };
}

/** Decode a Request, re-encode it to the subscriber, decode the Response, encode Empty and the Response. */
function codecLoop(
  service: ReturnType<typeof kubemqServiceDefinition>,
  body: Buffer,
  iterations: number,
): number {
  const send = service.SendRequest;
  const reply = service.SendResponse;
  const stream = service.SubscribeToRequests;
  const requestWire = send.requestSerialize(
    makeRequest({
      RequestTypeData: RequestType.Query,
      ClientID: 'bench-sender',
      Channel: 'bench.ours.query',
      Body: body,
      Timeout: 10_000,
      Tags: { 'nestjs-kubemq.body': 'text' },
    }),
  );
  const responseWire = reply.requestSerialize(
    makeResponse({
      ClientID: 'bench-responder',
      RequestID: 'x'.repeat(22),
      ReplyChannel: `_INBOX.${'x'.repeat(22)}.abcdefgh`,
      Executed: true,
      Body: body,
      Timestamp: String(Date.now()),
      Tags: { 'nestjs-kubemq.body': 'text' },
    }),
  );
  return timePerOp(iterations, () => {
    const request = send.requestDeserialize(requestWire) as {
      RequestID: string;
      ReplyChannel: string;
    };
    request.RequestID = 'x'.repeat(22);
    request.ReplyChannel = `_INBOX.${'x'.repeat(22)}.abcdefgh`;
    stream.responseSerialize(request);
    const response = reply.requestDeserialize(responseWire);
    reply.responseSerialize({});
    send.responseSerialize(response);
  });
}
