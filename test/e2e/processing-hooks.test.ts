import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller, type INestMicroservice } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { AsyncLocalStorage } from 'node:async_hooks';
import { KUBEMQ_TRANSPORT, KubeMQContext, type ClientKubeMQ, type ServerKubeMQ } from '../../lib';
import { startTestBroker, uniqueChannel, type TestBrokerHandle } from '../support/broker';
import {
  connectedClient,
  errorOf,
  firstReply,
  moduleWith,
  startMicroservice,
} from '../support/nest';

const channel = uniqueChannel('hooked-query');
const storage = new AsyncLocalStorage<string>();

@Controller()
class HookedController {
  @MessagePattern(channel, { type: 'query' })
  handle(@Payload() data: { n: number }) {
    // The start hook wraps the handler, so its async context is visible here.
    return { n: data.n, traceId: storage.getStore() ?? null };
  }
}

describe("Nest's processing hooks (tracing instrumentation)", () => {
  let broker: TestBrokerHandle;
  let app: INestMicroservice;
  let server: ServerKubeMQ;
  let client: ClientKubeMQ;
  const started: Array<{ transport: unknown; channel: string }> = [];
  const ended: Array<{ transport: unknown; channel: string }> = [];

  before(async () => {
    broker = await startTestBroker();
    ({ app, server } = await startMicroservice(moduleWith({ controllers: [HookedController] }), {
      address: broker.address,
    }));
    const hookable = server as unknown as {
      setOnProcessingStartHook?: (
        hook: (t: unknown, ctx: unknown, done: () => Promise<unknown>) => unknown,
      ) => void;
      setOnProcessingEndHook?: (hook: (t: unknown, ctx: unknown) => void) => void;
    };
    assert.equal(
      typeof hookable.setOnProcessingStartHook,
      'function',
      'this Nest version has processing hooks',
    );
    hookable.setOnProcessingStartHook!((transport, ctx, done) => {
      started.push({ transport, channel: (ctx as KubeMQContext).getChannel() });
      return storage.run(`trace-${started.length}`, done);
    });
    hookable.setOnProcessingEndHook!((transport, ctx) => {
      ended.push({ transport, channel: (ctx as KubeMQContext).getChannel() });
    });
    client = await connectedClient({ address: broker.address });
  });

  after(async () => {
    client?.close();
    await app?.close();
    await broker?.stop();
  });

  it('runs the start hook around the handler and the end hook after the response', async () => {
    const reply = (await firstReply(() => client.query(channel, { n: 7 }))) as {
      n: number;
      traceId: string;
    };
    assert.equal(reply.n, 7);
    assert.match(reply.traceId, /^trace-\d+$/);
    assert.ok(started.length >= 1);
    assert.ok(ended.length >= 1);
    assert.deepEqual(started.at(-1), { transport: KUBEMQ_TRANSPORT, channel });
    assert.deepEqual(ended.at(-1), { transport: KUBEMQ_TRANSPORT, channel });
  });
});

describe('a processing start hook that never calls done()', () => {
  let broker: TestBrokerHandle;
  let app: INestMicroservice;
  let client: ClientKubeMQ;

  before(async () => {
    broker = await startTestBroker();
    let server: ServerKubeMQ;
    ({ app, server } = await startMicroservice(moduleWith({ controllers: [HookedController] }), {
      address: broker.address,
    }));
    (
      server as unknown as { setOnProcessingStartHook(hook: () => Promise<void>): void }
    ).setOnProcessingStartHook(async () => undefined);
    client = await connectedClient({ address: broker.address });
  });

  after(async () => {
    client?.close();
    await app?.close();
    await broker?.stop();
  });

  it('fails the request at once instead of leaving the caller to its timeout', async () => {
    const started = Date.now();
    const error = await errorOf(client.query(channel, { n: 1 }, { timeout: 20_000 }));
    assert.deepEqual(error, { status: 'error', message: 'Internal server error' });
    assert.ok(Date.now() - started < 15_000, 'answered before the 20 s timeout');
  });
});
