// Secrets never show: the auth token, TLS keys and certificate contents stay out of inspect()
// of our objects, error messages and log lines. Uses in-process brokers of its own (one with a
// token check), so it runs the same in every leg.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { Controller, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessagePattern } from '@nestjs/microservices';
import { ClientKubeMQ, KubeMQConnection, ServerKubeMQ } from '../../lib';
import { KubeMQTestBroker } from '../../lib/testing';
import { uniqueChannel } from '../support/broker';
import { makeTestCertificates, type TestCertificates } from '../support/certificates';
import { errorOf, moduleWith } from '../support/nest';

const TOKEN = 'token-that-must-never-show-7f3a9c';
const WRONG_TOKEN = 'wrong-token-that-must-never-show-51be';
const channel = uniqueChannel('secret-query');

@Controller()
class QuietController {
  @MessagePattern(channel, { type: 'query' })
  answer() {
    return 'ok';
  }
}

/** A Nest logger that keeps every line. */
function recordingLogger(lines: string[]): LoggerService {
  const keep = (...parts: unknown[]) => void lines.push(parts.map((p) => inspect(p)).join(' '));
  return { log: keep, error: keep, warn: keep, debug: keep, verbose: keep, fatal: keep };
}

let certs: TestCertificates;
let secrets: string[];
before(() => {
  certs = makeTestCertificates();
  const keyBody = certs.read(certs.clientKey).toString().split('\n')[1];
  const certBody = certs.read(certs.clientCert).toString().split('\n')[1];
  secrets = [TOKEN, WRONG_TOKEN, keyBody, certBody];
});
after(() => certs?.remove());

function assertNoSecret(text: string, where: string): void {
  for (const secret of secrets) {
    assert.ok(!text.includes(secret), `${where} shows a secret: ${text}`);
  }
}

describe('secrets stay out of inspect(), errors and logs', () => {
  it('inspect() of a server, a client and a connection hides the token, key and certificate contents', () => {
    const options = {
      address: 'localhost:1',
      authToken: TOKEN,
      tls: {
        ca: certs.ca,
        cert: certs.read(certs.clientCert),
        key: certs.read(certs.clientKey).toString(),
      },
    };
    for (const value of [
      new ServerKubeMQ(options),
      new ClientKubeMQ(options),
      new KubeMQConnection(options),
    ]) {
      const shown = inspect(value, { depth: 10 });
      assertNoSecret(shown, inspect(value.constructor.name));
      assert.match(shown, /authToken: '\[redacted\]'/);
      assert.ok(shown.includes(certs.ca), 'a file path is still shown');
      if (value instanceof KubeMQConnection) value.close();
    }
  });

  describe('against a broker that checks the token', () => {
    let broker: KubeMQTestBroker;
    before(async () => {
      broker = await KubeMQTestBroker.start({ authToken: TOKEN });
    });
    after(async () => {
      await broker?.stop();
    });

    it('a refused connection says so without showing either token, in the error and the logs', async () => {
      const lines: string[] = [];
      const app = await NestFactory.createMicroservice(
        moduleWith({ controllers: [QuietController] }),
        {
          strategy: new ServerKubeMQ({ address: broker.address, authToken: WRONG_TOKEN }),
          logger: recordingLogger(lines),
        },
      );
      const error = await app.listen().then(
        () => assert.fail('listen() should have failed'),
        (e: unknown) => e as Error,
      );
      assert.match(error.message, /refused the connection/);
      assertNoSecret(`${error.message}\n${error.stack ?? ''}\n${inspect(error)}`, 'the error');
      await app.close();
      assertNoSecret(lines.join('\n'), 'the log');

      const client = new ClientKubeMQ({ address: broker.address, authToken: WRONG_TOKEN });
      const sendError = await errorOf(client.send(channel, 'x'));
      assertNoSecret(inspect(sendError, { depth: 10 }), 'the send error');
      client.close();
    });
  });
});
