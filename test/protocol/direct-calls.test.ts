import assert from 'node:assert/strict';
import { constants as http2 } from 'node:http2';
import { after, before, describe, it } from 'node:test';
import {
  Client,
  credentials,
  Metadata,
  Server,
  ServerCredentials,
  status,
  type ChannelInterface,
  type ServiceDefinition,
  type ServiceError,
} from '@grpc/grpc-js';
import { KubeMQConnection, RequestType } from '../../lib';
import { CallOpener } from '../../lib/kubemq/call-opener';
import { DeadlineGuard } from '../../lib/kubemq/deadline-guard';
import {
  DirectCalls,
  type SubchannelCall,
  type SubchannelListener,
} from '../../lib/kubemq/direct-calls';
import { makeRequest, type PingResult } from '../../lib/kubemq/messages';
import { prepareMethods } from '../../lib/kubemq/methods';
import { kubemqServiceDefinition } from '../../lib/kubemq/proto';
import { startUnaryCall } from '../../lib/kubemq/unary-call';
import { startTestBroker, uniqueChannel, type TestBrokerHandle } from '../support/broker';
import { delay } from '../support/nest';
import { answerQueries } from '../support/query-responder';

/** The connection's channel, to watch which path its calls take. */
function channelOf(connection: KubeMQConnection): ChannelInterface {
  return (connection as unknown as { channel: ChannelInterface }).channel;
}

/** Counts the calls made through the channel's own call stack (createCall). */
function countChannelCalls(channel: ChannelInterface): { count: number } {
  const counter = { count: 0 };
  const createCall = channel.createCall.bind(channel);
  channel.createCall = (...args: Parameters<ChannelInterface['createCall']>) => {
    counter.count += 1;
    return createCall(...args);
  };
  return counter;
}

/** A query round trip between two connections; resolves with the echoed body. */
async function roundTrip(
  sender: KubeMQConnection,
  responder: KubeMQConnection,
  body: Buffer,
): Promise<Buffer> {
  const channel = uniqueChannel('direct');
  const subscription = await answerQueries(responder, channel, (request) => ({
    Body: request.Body,
  }));
  try {
    const response = await sender.sendRequest(
      makeRequest({
        RequestTypeData: RequestType.Query,
        ClientID: sender.clientId,
        Channel: channel,
        Body: body,
        Timeout: 5_000,
      }),
    );
    return Buffer.from(response.Body);
  } finally {
    subscription.cancel();
  }
}

describe('calls on the connected subchannel (lib/kubemq/direct-calls)', () => {
  let broker: TestBrokerHandle;

  before(async () => {
    broker = await startTestBroker();
  });

  after(async () => {
    await broker?.stop();
  });

  it('the installed grpc-js still has what direct calls read (else every call would take the slow path)', () => {
    const client = new Client('127.0.0.1:1', credentials.createInsecure());
    try {
      assert.ok(DirectCalls.for(client.getChannel()), 'DirectCalls.for(channel) is available');
    } finally {
      client.close();
    }
  });

  it('once connected, unary calls and streams bypass the channel call stack, small and large bodies intact', async () => {
    const sender = new KubeMQConnection({ address: broker.address, clientId: 'direct-sender' });
    const responder = new KubeMQConnection({ address: broker.address, clientId: 'direct-resp' });
    try {
      await Promise.all([sender.connect(), responder.connect()]);
      const senderCalls = countChannelCalls(channelOf(sender));
      const responderCalls = countChannelCalls(channelOf(responder));
      const small = Buffer.from('direct small body');
      const large = Buffer.alloc(200_000, 7);
      assert.deepEqual(await roundTrip(sender, responder, small), small);
      assert.deepEqual(await roundTrip(sender, responder, large), large);
      assert.equal(senderCalls.count, 0, 'SendRequest went to the subchannel');
      assert.equal(
        responderCalls.count,
        0,
        'the subscription and SendResponse went to the subchannel',
      );
    } finally {
      sender.close();
      responder.close();
    }
  });

  it('takes the channel path when a service config asks for its layers, and works the same', async () => {
    const options = {
      address: broker.address,
      channelOptions: {
        'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ pick_first: {} }] }),
      },
    };
    const sender = new KubeMQConnection({ ...options, clientId: 'channel-sender' });
    const responder = new KubeMQConnection({ ...options, clientId: 'channel-resp' });
    try {
      await Promise.all([sender.connect(), responder.connect()]);
      const senderCalls = countChannelCalls(channelOf(sender));
      const large = Buffer.alloc(100_000, 3);
      assert.deepEqual(await roundTrip(sender, responder, large), large);
      assert.ok(senderCalls.count > 0, 'SendRequest went through Channel.createCall');
    } finally {
      sender.close();
      responder.close();
    }
  });

  it("direct calls count as the channel's calls: a busy channel does not go idle", async () => {
    const connection = new KubeMQConnection({
      address: broker.address,
      clientId: 'direct-idle',
      // grpc-js's shortest idle timeout: a channel without calls for 1 s goes IDLE.
      channelOptions: { 'grpc.client_idle_timeout_ms': 1_000 },
    });
    const changes: boolean[] = [];
    try {
      await connection.connect();
      connection.watchConnectivity((connected) => changes.push(connected));
      const busyUntil = Date.now() + 2_500;
      while (Date.now() < busyUntil) {
        await connection.ping();
        await delay(100);
      }
      assert.deepEqual(changes, [], 'still connected after 2.5 s of calls');
      // The control: without calls the same channel does go idle.
      await delay(2_500);
      assert.deepEqual(changes, [false], 'idle once the calls stopped');
      await connection.ping();
    } finally {
      connection.close();
    }
  });

  it("a stream the server refused before it saw it is sent again on the channel (grpc-js's transparent retry)", async () => {
    const client = new Client(broker.address, credentials.createInsecure());
    const channel = client.getChannel();
    await new Promise<void>((resolve, reject) =>
      client.waitForReady(Date.now() + 5_000, (error) => (error ? reject(error) : resolve())),
    );
    let refused = 0;
    const refusing = {
      open(_path: string, _metadata: Metadata, listener: SubchannelListener): SubchannelCall {
        refused += 1;
        const end = () =>
          setImmediate(() =>
            listener.onReceiveStatus({
              code: status.UNAVAILABLE,
              details: 'Stream refused by server',
              metadata: new Metadata(),
              rstCode: http2.NGHTTP2_REFUSED_STREAM,
            }),
          );
        return {
          sendMessageWithContext: () => undefined,
          startRead: () => undefined,
          halfClose: end,
          cancelWithStatus: () => undefined,
        };
      },
      ended: () => undefined,
    } as unknown as DirectCalls;
    const opener = new CallOpener(channel, new Metadata(), refusing, 1_000_000);
    const guard = new DeadlineGuard();
    try {
      const ping = await new Promise<PingResult>((resolve, reject) =>
        startUnaryCall(
          opener,
          guard,
          prepareMethods().Ping,
          {},
          Date.now() + 5_000,
          (error, result) => (error ? reject(error) : resolve(result as PingResult)),
        ),
      );
      assert.equal(refused, 1);
      assert.equal(typeof ping.Host, 'string');
    } finally {
      guard.close();
      client.close();
    }
  });
});

describe('the client-side deadline (lib/kubemq/deadline-guard)', () => {
  let server: Server;
  let address: string;

  before(async () => {
    // A broker that takes every call and never answers.
    server = new Server();
    const service = kubemqServiceDefinition() as unknown as ServiceDefinition;
    const silent = Object.fromEntries(Object.keys(service).map((name) => [name, () => undefined]));
    server.addService(service, silent);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    address = `127.0.0.1:${port}`;
  });

  after(() => {
    server?.forceShutdown();
  });

  it('ends a call the broker never answers with DEADLINE_EXCEEDED, on time', async () => {
    const connection = new KubeMQConnection({ address, clientId: 'deadline-client' });
    try {
      const started = Date.now();
      const error = (await connection.ping(300).then(
        () => assert.fail('a silent broker cannot answer'),
        (e: unknown) => e,
      )) as ServiceError & { grpcCode?: number };
      const took = Date.now() - started;
      assert.equal(error.grpcCode, status.DEADLINE_EXCEEDED, String(error));
      assert.ok(took >= 290, `not before the deadline (${took} ms)`);
      assert.ok(took < 2_000, `soon after it (${took} ms)`);
    } finally {
      connection.close();
    }
  });
});
