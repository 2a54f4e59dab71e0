// Ping, start/stop of KubeMQTestBroker (queues and the events store included) and
// authorization metadata.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EventsStoreType, RequestType, SubscribeType } from '../../lib/kubemq/messages';
import { KubeMQTestBroker } from '../../lib/testing';
import { startTestBroker, uniqueChannel, type TestBrokerHandle } from '../support/broker';
import { NEEDS_OWN_BROKER, startOwnBroker } from '../support/own-broker';
import {
  delay,
  grpcError,
  RawKubeMQClient,
  status,
  SUBSCRIBE_SETTLE_MS,
  within,
} from '../support/raw-kubemq-client';
import { freePort } from '../support/ports';
import { RawQueueClient } from '../support/raw-queue-client';

let shared: TestBrokerHandle;
let client: RawKubeMQClient;

before(async () => {
  shared = await startTestBroker();
  client = new RawKubeMQClient(shared.address);
});

after(async () => {
  client.close();
  await shared.stop();
});

describe('Ping (§9)', () => {
  it('reports host, version, start time in seconds and uptime', async () => {
    const before = Math.floor(Date.now() / 1000);
    const ping = await client.ping();
    assert.equal(typeof ping.Host, 'string');
    assert.ok(ping.Host.length > 0);
    assert.ok(!ping.Host.includes('.'), 'dots in the host name become _');
    assert.equal(typeof ping.Version, 'string');
    const start = Number(ping.ServerStartTime);
    assert.ok(start > 1_500_000_000 && start <= before + 5, `seconds, not ms: ${start}`);
    assert.ok(Number(ping.ServerUpTimeSeconds) >= 0);
  });

  it('accepts any authorization metadata', async () => {
    const withToken = new RawKubeMQClient(shared.address, { authToken: 'any-token-at-all' });
    try {
      await withToken.ping();
      const result = await withToken.sendEvent({
        ClientID: 'auth',
        Channel: uniqueChannel('auth'),
        Metadata: 'm',
      });
      assert.equal(result.Sent, true);
    } finally {
      withToken.close();
    }
  });
});

describe('KubeMQTestBroker start and stop', () => {
  it('listens on 127.0.0.1 and a free port by default', async () => {
    const broker = await KubeMQTestBroker.start();
    try {
      assert.match(broker.address, /^127\.0\.0\.1:\d+$/);
      assert.equal(broker.address, `127.0.0.1:${broker.port}`);
      assert.ok(broker.port > 0);
    } finally {
      await broker.stop();
    }
  });

  it('listens on the port asked for, and fails to start when it is taken', async () => {
    const port = await freePort();
    const broker = await KubeMQTestBroker.start({ port, host: '127.0.0.1' });
    try {
      assert.equal(broker.port, port);
      assert.equal(broker.address, `127.0.0.1:${port}`);
      await assert.rejects(KubeMQTestBroker.start({ port }));
    } finally {
      await broker.stop();
    }
  });

  it(
    'ends subscriptions and fails waiting requests at once on stop()',
    { timeout: 30_000 },
    async () => {
      const broker = await KubeMQTestBroker.start();
      const own = new RawKubeMQClient(broker.address);
      try {
        const channel = uniqueChannel('stop');
        const commands = own.subscribeToRequests({
          SubscribeTypeData: SubscribeType.Commands,
          ClientID: 'stop-sub',
          Channel: channel,
        });
        const events = own.subscribeToEvents({
          SubscribeTypeData: SubscribeType.Events,
          ClientID: 'stop-sub',
          Channel: `${channel}.>`,
        });
        const store = own.subscribeToEvents({
          SubscribeTypeData: SubscribeType.EventsStore,
          ClientID: 'stop-store-sub',
          Channel: channel,
          EventsStoreTypeData: EventsStoreType.StartNewOnly,
        });
        const eventsStream = own.openEventsStream();
        await delay(SUBSCRIBE_SETTLE_MS);
        // Nobody answers and the Timeout is a minute: only stop() can end these.
        const waiting = [RequestType.Command, RequestType.Query].map((type) =>
          grpcError(
            own.sendRequest({
              RequestTypeData: type,
              ClientID: 'stop-sender',
              Channel: channel,
              Metadata: 'm',
              Timeout: 60_000,
            }),
          ),
        );
        await commands.nth(0);
        await within(broker.stop(), 10_000, 'stop()');
        for (const failure of await within(Promise.all(waiting), 10_000, 'pending requests')) {
          assert.equal(failure.code, status.UNAVAILABLE);
          assert.match(failure.details, /shutdown/);
        }
        for (const stream of [commands, events, store, eventsStream]) {
          const final = await within(stream.ended, 10_000, 'stream end');
          assert.notEqual(final.code, status.OK);
        }
        await broker.stop(); // a second stop is harmless
      } finally {
        own.close();
        await broker.stop();
      }
    },
  );
});

describe('KubeMQTestBroker stop() and queues', () => {
  it('ends queue streams, pending pulls and AckAlls at once', { timeout: 30_000 }, async () => {
    const broker = await KubeMQTestBroker.start();
    const own = new RawKubeMQClient(broker.address);
    const queues = new RawQueueClient(own);
    try {
      const channel = uniqueChannel('stop-queue');
      // Everything below would wait a minute if stop() did not end it.
      const stream = queues.stream();
      stream.request({ StreamRequestTypeData: 1, Channel: channel, WaitTimeSeconds: 60 });
      const downstream = queues.downstream();
      downstream.request({ RequestTypeData: 1, Channel: channel, WaitTimeout: 60_000 });
      const upstream = queues.upstream();
      const calls = [
        queues.receive({ Channel: channel, WaitTimeSeconds: 60 }),
        queues.ackAll({ Channel: channel, WaitTimeSeconds: 60 }),
      ].map((call) => grpcError(call));
      await delay(SUBSCRIBE_SETTLE_MS);
      await within(broker.stop(), 10_000, 'stop()');
      for (const failure of await within(Promise.all(calls), 10_000, 'pending calls')) {
        assert.equal(failure.code, status.UNAVAILABLE);
        assert.match(failure.details, /shutdown/);
      }
      for (const open of [stream, downstream, upstream]) {
        const final = await within(open.ended, 10_000, 'queue stream end');
        assert.equal(final.code, status.UNAVAILABLE);
      }
    } finally {
      own.close();
      await broker.stop();
    }
  });
});

describe(
  'a broker that goes away (conformance: in-process stop(), real SIGKILL)',
  {
    skip: NEEDS_OWN_BROKER,
  },
  () => {
    it('fails a waiting request and ends every stream with UNAVAILABLE', async () => {
      const broker = await startOwnBroker();
      const own = new RawKubeMQClient(broker.address);
      try {
        const channel = uniqueChannel('gone');
        const commands = own.subscribeToRequests({
          SubscribeTypeData: SubscribeType.Commands,
          ClientID: 'gone-sub',
          Channel: channel,
        });
        const events = own.subscribeToEvents({
          SubscribeTypeData: SubscribeType.Events,
          ClientID: 'gone-sub',
          Channel: channel,
        });
        const store = own.subscribeToEvents({
          SubscribeTypeData: SubscribeType.EventsStore,
          ClientID: uniqueChannel('gone-store-sub'),
          Channel: channel,
          EventsStoreTypeData: EventsStoreType.StartNewOnly,
        });
        await delay(SUBSCRIBE_SETTLE_MS);
        const waiting = grpcError(
          own.sendRequest({
            RequestTypeData: RequestType.Command,
            ClientID: 'gone-sender',
            Channel: channel,
            Metadata: 'm',
            Timeout: 60_000,
          }),
        );
        await commands.nth(0);
        await broker.kill();
        const failure = await within(waiting, 10_000, 'the waiting request');
        assert.equal(failure.code, status.UNAVAILABLE, failure.details);
        for (const stream of [commands, events, store]) {
          const final = await within(stream.ended, 10_000, 'stream end');
          assert.equal(final.code, status.UNAVAILABLE, final.details);
        }
      } finally {
        own.close();
        await broker.stop();
      }
    });
  },
);
