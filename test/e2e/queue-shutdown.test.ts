import 'reflect-metadata';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { firstValueFrom } from 'rxjs';
import { type KubeMQContext, QueuePattern } from '../../lib';
import { uniqueChannel } from '../support/broker';
import {
  connectedClient,
  delay,
  moduleWith,
  startMicroservice,
  useBrokerWithClient,
} from '../support/nest';
import { NEEDS_OWN_BROKER, startOwnBroker } from '../support/own-broker';
import { peekAll, waitFor } from '../support/queues';

interface Delivery {
  data: unknown;
  receiveCount: number;
  finished: boolean;
}

describe('queues: nothing is lost when a consumer goes away', () => {
  const env = useBrokerWithClient();

  /** A controller on `channel` whose handler takes `ms` and records its deliveries. */
  function slowWorker(channel: string, ms: number, deliveries: Delivery[]) {
    @Controller()
    class SlowWorker {
      @QueuePattern(channel)
      async handle(@Payload() data: unknown, @Ctx() ctx: KubeMQContext) {
        const delivery = { data, receiveCount: ctx.getReceiveCount(), finished: false };
        deliveries.push(delivery);
        await delay(ms);
        delivery.finished = true;
      }
    }
    return SlowWorker;
  }

  it('close() lets a running handler finish within the grace period, and acks its message', async () => {
    const jobs = uniqueChannel('jobs-drain');
    const deliveries: Delivery[] = [];
    const { app } = await startMicroservice(
      moduleWith({ controllers: [slowWorker(jobs, 800, deliveries)] }),
      { address: env.broker.address, gracePeriod: 5000 },
    );
    await firstValueFrom(env.client.sendToQueue(jobs, { job: 1 }));
    await waitFor('the handler to start', () => deliveries.length === 1);
    const closing = Date.now();
    await app.close();
    assert.equal(deliveries[0].finished, true, 'close() waited for the handler');
    assert.ok(Date.now() - closing < 5000, 'and no longer than it needed');
    assert.deepEqual(await peekAll(env.client, jobs), [], 'acked before the connection closed');
  });

  it('a handler still running past the grace period: its message goes back and the next app handles it', async () => {
    const jobs = uniqueChannel('jobs-handback');
    const first: Delivery[] = [];
    const { app } = await startMicroservice(
      moduleWith({ controllers: [slowWorker(jobs, 2500, first)] }),
      { address: env.broker.address, gracePeriod: 300 },
    );
    const sent = await firstValueFrom(env.client.sendToQueue(jobs, { job: 'long' }));
    await waitFor('the handler to start', () => first.length === 1);
    const closing = Date.now();
    await app.close();
    assert.ok(Date.now() - closing < 2000, 'close() did not wait for the handler past its grace');
    assert.equal(first[0].finished, false);

    const second: Delivery[] = [];
    const next = await startMicroservice(
      moduleWith({ controllers: [slowWorker(jobs, 10, second)] }),
      { address: env.broker.address },
    );
    try {
      await waitFor('the next app to get the message', () => second.length === 1);
      assert.deepEqual(second[0].data, { job: 'long' });
      assert.equal(second[0].receiveCount, 2);
      // The first handler finishing late acks nothing (its transaction is gone) and breaks nothing.
      await waitFor('the late handler', () => first[0].finished, 5000);
      await delay(200);
    } finally {
      await next.app.close();
    }
    assert.equal(second.length, 1);
    assert.deepEqual(await peekAll(env.client, jobs), []);
    assert.ok(sent.messageId);
  });

  it('a consumer process killed with SIGKILL mid-handler: the message comes back', async () => {
    const jobs = uniqueChannel('jobs-sigkill');
    const child = startWorker(jobs, env.broker.address);
    try {
      await child.waitFor(/LISTENING/);
      const sent = await firstValueFrom(env.client.sendToQueue(jobs, { job: 'crash' }));
      const handling = await child.waitFor(/HANDLING (\S+) (\d+)/);
      assert.equal(handling[1], sent.messageId);
      assert.equal(handling[2], '1');
      child.process.kill('SIGKILL');
      await child.exited;
    } finally {
      child.process.kill('SIGKILL');
    }
    const deliveries: Delivery[] = [];
    const { app } = await startMicroservice(
      moduleWith({ controllers: [slowWorker(jobs, 10, deliveries)] }),
      { address: env.broker.address },
    );
    try {
      await waitFor('the message to come back', () => deliveries.length === 1, 20_000);
      assert.deepEqual(deliveries[0].data, { job: 'crash' });
      assert.equal(deliveries[0].receiveCount, 2);
    } finally {
      await app.close();
    }
    assert.deepEqual(await peekAll(env.client, jobs), []);
  });

  it('a lost connection hands the held message back; the consumer reconnects and gets it again', async () => {
    const jobs = uniqueChannel('jobs-cut');
    const proxy = await TcpProxy.start(env.broker.address);
    const deliveries: Delivery[] = [];
    const { app } = await startMicroservice(
      moduleWith({ controllers: [slowWorker(jobs, 600, deliveries)] }),
      { address: proxy.address, reconnectDelay: 100, reconnectMaxDelay: 500 },
    );
    try {
      await firstValueFrom(env.client.sendToQueue(jobs, { job: 'cut' }));
      await waitFor('the handler to start', () => deliveries.length === 1);
      proxy.cutAll();
      await waitFor('the message to come back', () => deliveries.length === 2, 30_000);
      assert.deepEqual(deliveries[1].data, { job: 'cut' });
      assert.equal(deliveries[1].receiveCount, 2);
      await waitFor('the second handler', () => deliveries[1].finished);
      await delay(300);
      assert.equal(deliveries.length, 2, 'acked the second time');
    } finally {
      await app.close();
      await proxy.close();
    }
    assert.deepEqual(await peekAll(env.client, jobs), []);
  });

  it(
    'the broker restarting: the consumer reports the outage and consumes again',
    { skip: NEEDS_OWN_BROKER },
    async () => {
      const own = await startOwnBroker();
      const jobs = uniqueChannel('jobs-restart');
      const deliveries: Delivery[] = [];
      const { app, server } = await startMicroservice(
        moduleWith({ controllers: [slowWorker(jobs, 10, deliveries)] }),
        { address: own.address, reconnectDelay: 100, reconnectMaxDelay: 500 },
      );
      const events: string[] = [];
      server.on('disconnect', () => events.push('disconnect'));
      server.on('reconnect', () => events.push('reconnect'));
      const ownClient = await connectedClient({ address: own.address });
      try {
        await firstValueFrom(ownClient.sendToQueue(jobs, { job: 'before' }));
        await waitFor('the first message', () => deliveries[0]?.finished === true);
        // Let its ack reach the broker: what a broker does with a message held across its own
        // crash differs (KubeMQ Community keeps it pending; docs/design.md, Queues through Nest).
        await delay(300);
        await own.kill();
        await waitFor('the outage', () => events.includes('disconnect'), 10_000);
        await own.restart();
        await firstValueFrom(ownClient.sendToQueue(jobs, { job: 'after' }));
        await waitFor('a message sent after the restart', () => deliveries.length === 2, 30_000);
        assert.deepEqual(deliveries[1].data, { job: 'after' });
        await waitFor('the reconnect', () => events.includes('reconnect'), 10_000);
        assert.deepEqual(events, ['disconnect', 'reconnect']);
      } finally {
        ownClient.close();
        await app.close();
        await own.stop();
      }
    },
  );
});

/** A TCP proxy in front of the broker whose connections a test can cut. */
class TcpProxy {
  private constructor(
    private readonly server: Server,
    private readonly sockets: Set<Socket>,
    readonly address: string,
  ) {}

  static async start(target: string): Promise<TcpProxy> {
    const colon = target.lastIndexOf(':');
    const [host, port] = [target.slice(0, colon), Number(target.slice(colon + 1))];
    const sockets = new Set<Socket>();
    const server = createServer((inbound) => {
      const outbound = connect(port, host);
      for (const socket of [inbound, outbound]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      inbound.pipe(outbound).pipe(inbound);
      inbound.on('close', () => outbound.destroy());
      outbound.on('close', () => inbound.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port: local } = server.address() as AddressInfo;
    return new TcpProxy(server, sockets, `127.0.0.1:${local}`);
  }

  /** Resets every connection (both ends see it drop); new ones are still accepted. */
  cutAll(): void {
    for (const socket of this.sockets) socket.resetAndDestroy();
  }

  close(): Promise<void> {
    this.cutAll();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

interface Worker {
  process: ChildProcess;
  exited: Promise<void>;
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
}

/**
 * Runs queue-worker.fixture (next to this file, compiled; found through the
 * running test file, which works for CommonJS and ESM alike) in a child
 * process, consuming `channel`.
 */
function startWorker(channel: string, address: string): Worker {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  delete env.NODE_OPTIONS;
  const child = spawn(
    process.execPath,
    [join(dirname(process.argv[1]), 'queue-worker.fixture.js')],
    {
      env: { ...env, WORKER_QUEUE: channel, WORKER_KUBEMQ_ADDRESS: address },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  let errors = '';
  const listeners = new Set<() => void>();
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    for (const listener of listeners) listener();
  });
  child.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    process: child,
    exited,
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`worker printed no ${pattern} in 20 s:\n${output}${errors}`));
        }, 20_000);
        const check = () => {
          const match = pattern.exec(output);
          if (!match) return;
          clearTimeout(timer);
          listeners.delete(check);
          resolve(match);
        };
        listeners.add(check);
        check();
        void exited.then(() => {
          if (listeners.has(check)) check();
        });
      }),
  };
}
