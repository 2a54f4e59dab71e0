// The REST and API faces of KubeMQTestBroker: off by default, their ports, a taken port,
// and what stop() does to REST callers and WebSocket subscribers. Each test starts an
// in-process broker of its own, so these run in the real-server leg too.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { describe, it } from 'node:test';
import { BrokerListenError, KubeMQTestBroker } from '../../lib/testing';
import { uniqueChannel } from '../support/broker';
import { freePort, freePorts } from '../support/ports';
import { b64, get, post, Subscription, type Envelope } from './rest-helpers';

function occupy(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

describe('KubeMQTestBroker REST and API faces', () => {
  it('are off by default', async () => {
    const broker = await KubeMQTestBroker.start();
    try {
      assert.equal(broker.restAddress, undefined);
      assert.equal(broker.apiAddress, undefined);
    } finally {
      await broker.stop();
    }
  });

  it('listen on the ports asked for, next to gRPC', async () => {
    const [restPort, apiPort] = await freePorts(2);
    const broker = await KubeMQTestBroker.start({
      rest: { port: restPort },
      api: { port: apiPort },
    });
    try {
      assert.equal(broker.restAddress, `127.0.0.1:${restPort}`);
      assert.equal(broker.apiAddress, `127.0.0.1:${apiPort}`);
      assert.equal((await get(`http://${broker.apiAddress}/health`)).text, 'healthy');
    } finally {
      await broker.stop();
    }
  });

  it('a taken port fails start() with BrokerListenError naming the face, port and option', async () => {
    const port = await freePort();
    const blocker = await occupy(port);
    try {
      for (const [options, face, option] of [
        [{ rest: { port } }, 'REST', 'rest: { port }'],
        [{ rest: true, api: { port } }, 'API', 'api: { port }'],
        [{ port }, 'gRPC', '`port`'],
      ] as const) {
        const error = await KubeMQTestBroker.start(options).then(
          async (broker) => {
            await broker.stop();
            assert.fail(`start(${JSON.stringify(options)}) should have failed`);
          },
          (e: unknown) => e,
        );
        assert.ok(error instanceof BrokerListenError, String(error));
        assert.equal(error.face, face);
        assert.equal(error.port, port);
        assert.equal(error.code, 'EADDRINUSE');
        assert.ok(error.message.includes(`port ${port} is already in use`), error.message);
        assert.ok(error.message.includes(option), error.message);
      }
    } finally {
      blocker.close();
    }
  });

  it('stop(): a waiting REST request gets Error 409, WebSocket subscribers an Error 205 frame, then the ports close', async () => {
    const broker = await KubeMQTestBroker.start({ rest: true, api: true });
    const rest = `http://${broker.restAddress}`;
    const channel = uniqueChannel('rest-stop');
    const subscription = await Subscription.open(`ws://${broker.restAddress}`, 'requests', {
      client_id: 'ws',
      channel: `${channel}-other`,
      subscribe_type: 'commands',
    });
    const responder = await Subscription.open(`ws://${broker.restAddress}`, 'requests', {
      client_id: 'silent-responder',
      channel,
      subscribe_type: 'commands',
    });
    const waiting = post(`${rest}/send/request`, {
      RequestTypeData: 1,
      ClientID: 'c',
      Channel: channel,
      Body: b64('x'),
      Timeout: 10_000,
    });
    // The request is waiting in the broker once a silent responder has it (a fixed pause was
    // too short on a loaded machine).
    await responder.frame(0);
    const started = Date.now();
    await broker.stop();
    const answer = await waiting;
    assert.equal(answer.status, 400);
    assert.match((answer.json as Envelope).message, /^Error 409: server is in shutdown mode/);
    const frame = await subscription.frame(0);
    assert.equal(frame.is_error, true);
    assert.match(String(frame.message), /Error 205: connection was closed by server$/);
    assert.equal((await subscription.closed).code, 1001);
    assert.ok(Date.now() - started < 2000, 'stop() did not wait for the request Timeout');
    await assert.rejects(fetch(`${rest}/ping`), 'the REST port is closed');
  });
});
