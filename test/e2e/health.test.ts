// The Terminus health indicator (nestjs-kubemq/health) in a real Nest HTTP app: healthy through
// a client and through the server, a query round trip, and 503 with the reason when the broker
// is gone. Against a real server, the broker that goes away is one of the test's own.
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller, Get, Inject, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientsModule, MessagePattern } from '@nestjs/microservices';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { ClientKubeMQ, ServerKubeMQ } from '../../lib';
import { KubeMQHealthIndicator } from '../../lib/health';
import { uniqueChannel } from '../support/broker';
import { delay } from '../support/nest';
import { NEEDS_OWN_BROKER, startOwnBroker, type OwnBroker } from '../support/own-broker';

const healthQuery = uniqueChannel('health-query');
const CLIENT = 'KUBEMQ';
let server: ServerKubeMQ;

@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly kubemq: KubeMQHealthIndicator,
    @Inject(CLIENT) private readonly client: ClientKubeMQ,
  ) {}

  @Get('client')
  @HealthCheck()
  viaClient() {
    return this.health.check([
      () => this.kubemq.pingCheck('kubemq', { target: this.client, timeout: 1000 }),
    ]);
  }

  @Get('server')
  @HealthCheck()
  viaServer() {
    return this.health.check([() => this.kubemq.pingCheck('kubemq', { target: server })]);
  }

  @Get('query')
  @HealthCheck()
  viaQuery() {
    return this.health.check([
      () =>
        this.kubemq.pingCheck('kubemq', {
          target: this.client,
          query: { channel: healthQuery },
          timeout: 3000,
        }),
    ]);
  }

  @MessagePattern(healthQuery, { type: 'query' })
  pong() {
    return 'ok';
  }
}

function appModule(address: string) {
  @Module({
    imports: [
      TerminusModule,
      ClientsModule.register([
        { name: CLIENT, customClass: ClientKubeMQ, options: { address, connectTimeout: 1000 } },
      ]),
    ],
    providers: [KubeMQHealthIndicator],
    controllers: [HealthController],
  })
  class AppModule {}
  return AppModule;
}

async function get(url: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(url);
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe('KubeMQHealthIndicator (Terminus) in a Nest HTTP app', { skip: NEEDS_OWN_BROKER }, () => {
  let broker: OwnBroker;
  let app: INestApplication;
  let url: string;

  before(async () => {
    broker = await startOwnBroker();
    app = await NestFactory.create(appModule(broker.address), { logger: false });
    server = new ServerKubeMQ({ address: broker.address, reconnectDelay: 50 });
    app.connectMicroservice({ strategy: server }, { inheritAppConfig: true });
    await app.startAllMicroservices();
    await app.listen(0, '127.0.0.1');
    url = `${await app.getUrl()}/health`.replace('[::1]', '127.0.0.1');
  });

  after(async () => {
    await app?.close();
    await broker?.stop();
  });

  it('is up through the client, with the broker address, host and version', async () => {
    const { status, json } = await get(`${url}/client`);
    assert.equal(status, 200, JSON.stringify(json));
    const kubemq = (json.info as Record<string, Record<string, unknown>>).kubemq;
    assert.equal(kubemq.status, 'up');
    assert.equal(kubemq.address, broker.address);
    assert.equal(typeof kubemq.host, 'string');
    assert.ok((kubemq.version as string).length > 0, 'the broker reports a version');
  });

  it("is up through the app's own ServerKubeMQ", async () => {
    const { status, json } = await get(`${url}/server`);
    assert.equal(status, 200, JSON.stringify(json));
  });

  it('round-trips a query through a responder when asked', async () => {
    let result = await get(`${url}/query`);
    // A real server activates a new subscription a moment after it is opened.
    for (let i = 0; i < 5 && result.status !== 200; i += 1) result = await get(`${url}/query`);
    assert.equal(result.status, 200, JSON.stringify(result.json));
    const kubemq = (result.json.info as Record<string, Record<string, unknown>>).kubemq;
    assert.deepEqual(Object.keys(kubemq.query as object).sort(), ['channel', 'roundTripMs']);
  });

  it('answers 503 with the reason once the broker is gone', async () => {
    await broker.kill();
    let result = await get(`${url}/client`);
    for (let i = 0; i < 20 && result.status === 200; i += 1) {
      await delay(100);
      result = await get(`${url}/client`);
    }
    assert.equal(result.status, 503, JSON.stringify(result.json));
    const kubemq = (result.json.error as Record<string, Record<string, unknown>>).kubemq;
    assert.equal(kubemq.status, 'down');
    assert.equal(kubemq.address, broker.address);
    assert.equal(typeof kubemq.message, 'string');
    assert.ok((kubemq.message as string).length > 0, 'a reason is given');
    const viaQuery = await get(`${url}/query`);
    assert.equal(viaQuery.status, 503);
    await broker.restart();
  });
});
