// TLS and mutual TLS between Nest apps and the broker: certificates made with openssl for this
// run; the broker is one of the test's own (in-process, or a real KubeMQ started with a
// certificate). Connections use `localhost`, the name the server certificate carries.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { ClientKubeMQ, KubeMQConnection, KubeMQError, ServerKubeMQ } from '../../lib';
import { KubeMQTestBroker } from '../../lib/testing';
import { inProcessOnly, uniqueChannel } from '../support/broker';
import { makeTestCertificates, type TestCertificates } from '../support/certificates';
import { firstReply, moduleWith, startMicroservice } from '../support/nest';
import { NEEDS_OWN_BROKER, startOwnBroker, type OwnBroker } from '../support/own-broker';

const channel = uniqueChannel('tls-query');

@Controller()
class SecureController {
  @MessagePattern(channel, { type: 'query' })
  echo(@Payload() data: { n: number }) {
    return { n: data.n, secure: true };
  }
}

function local(address: string): string {
  return address.replace(/^127\.0\.0\.1:/, 'localhost:');
}

let certs: TestCertificates;
before(() => {
  certs = makeTestCertificates();
});
after(() => certs?.remove());

describe('TLS to KubeMQ', { skip: NEEDS_OWN_BROKER }, () => {
  let broker: OwnBroker;
  let address: string;

  before(async () => {
    broker = await startOwnBroker({ tls: { cert: certs.serverCert, key: certs.serverKey } });
    address = local(broker.address);
  });
  after(async () => {
    await broker?.stop();
  });

  it('works end to end with the CA given as a path (server) and as a Buffer (client)', async () => {
    const { app } = await startMicroservice(moduleWith({ controllers: [SecureController] }), {
      address,
      tls: { ca: certs.ca },
    });
    const client = new ClientKubeMQ({ address, tls: { ca: certs.read(certs.ca) }, timeout: 3000 });
    try {
      assert.deepEqual(await firstReply(() => client.query(channel, { n: 3 })), {
        n: 3,
        secure: true,
      });
    } finally {
      client.close();
      await app.close();
    }
  });

  it('a client certificate is accepted where none is required', async () => {
    const connection = new KubeMQConnection({
      address,
      tls: { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey },
    });
    try {
      assert.equal(typeof (await connection.connect()).Version, 'string');
    } finally {
      connection.close();
    }
  });

  it('a CA that did not sign the server certificate fails listen() clearly, naming the address', async () => {
    const app = await NestFactory.createMicroservice(
      moduleWith({ controllers: [SecureController] }),
      {
        strategy: new ServerKubeMQ({ address, tls: { ca: certs.otherCa }, connectTimeout: 1500 }),
        logger: false,
      },
    );
    const error = await app.listen().then(
      () => assert.fail('listen() should have failed'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof KubeMQError);
    assert.match(
      error.message,
      new RegExp(`^Cannot connect to KubeMQ at ${address} within 1500 ms`),
    );
    assert.match(error.message, /certificate is not signed by a trusted CA/);
    await app.close();
  });

  it('a plaintext client gets an error that points at TLS', async () => {
    const connection = new KubeMQConnection({ address, connectTimeout: 1500 });
    try {
      const error = await connection.connect().then(
        () => assert.fail('a plaintext connection should fail'),
        (e: unknown) => e as Error,
      );
      assert.match(error.message, new RegExp(`Cannot connect to KubeMQ at ${address}`));
      assert.match(error.message, /TLS/);
    } finally {
      connection.close();
    }
  });

  it('a TLS file that cannot be read is named, and its content never shown', () => {
    assert.throws(
      () => new KubeMQConnection({ address, tls: { ca: '/no/such/ca.pem' } }),
      /Cannot read the TLS ca file \/no\/such\/ca\.pem: ENOENT/,
    );
    assert.throws(
      () => new KubeMQConnection({ address, tls: { ca: certs.ca, cert: certs.clientCert } }),
      /a client `cert` needs its `key`/,
    );
  });
});

describe(
  'mutual TLS (KubeMQTestBroker requireClientCert)',
  {
    skip: inProcessOnly(
      'a broker that requires client certificates (Community puts the CA among its root CAs and never asks for one)',
    ),
  },
  () => {
    let broker: KubeMQTestBroker;
    let address: string;

    before(async () => {
      broker = await KubeMQTestBroker.start({
        tls: {
          cert: certs.serverCert,
          key: certs.serverKey,
          ca: certs.ca,
          requireClientCert: true,
        },
      });
      address = local(broker.address);
    });
    after(async () => {
      await broker?.stop();
    });

    it('accepts a client certificate signed by the CA, for a server and a client', async () => {
      const tls = { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey };
      const { app } = await startMicroservice(moduleWith({ controllers: [SecureController] }), {
        address,
        tls,
      });
      const client = new ClientKubeMQ({ address, tls, timeout: 3000 });
      try {
        assert.deepEqual(await firstReply(() => client.query(channel, { n: 5 })), {
          n: 5,
          secure: true,
        });
      } finally {
        client.close();
        await app.close();
      }
    });

    it('refuses a client without a certificate, saying so', async () => {
      const client = new ClientKubeMQ({ address, tls: { ca: certs.ca }, connectTimeout: 1500 });
      try {
        const error = await client.connect().then(
          () => assert.fail('a client without a certificate should be refused'),
          (e: unknown) => e as Error,
        );
        assert.match(error.message, new RegExp(`Cannot connect to KubeMQ at ${address}`));
        assert.match(error.message, /requires a client certificate/);
      } finally {
        client.close();
      }
    });
  },
);
