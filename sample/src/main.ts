import 'reflect-metadata';
import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { firstValueFrom } from 'rxjs';
import {
  type ClientKubeMQ,
  KubeMQRecordBuilder,
  ServerKubeMQ,
  type KubeMQCommandResponse,
} from 'nestjs-kubemq';
import type { KubeMQTestBroker } from 'nestjs-kubemq/testing';
import { AppModule } from './app.module';
import { ConfigError, loadConfig, type SampleConfig } from './config';
import { startEmbeddedBroker, StartupError } from './embedded-broker';
import { HELLO_COMMAND } from './hello.controller';
import { KUBEMQ_CLIENT } from './http.controller';
import { say } from './say';
import { endpoints, nextSteps, whereItRuns } from './walkthrough';

/** What is running, so that a signal can stop it at any point of the startup. */
interface Running {
  broker?: KubeMQTestBroker;
  app?: INestApplication;
}

/** How long a clean shutdown may take before the process gives up on it. */
const SHUTDOWN_LIMIT_MS = 15_000;

function onSignals(running: Running): void {
  let closing = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    // Ctrl-C reaches us twice under `npm run` (from the terminal and from npm): once is enough.
    if (closing) return;
    closing = true;
    say(`\n${signal}: shutting down...`);
    setTimeout(() => {
      say(`Shutdown took over ${SHUTDOWN_LIMIT_MS / 1000} s; exiting anyway.`);
      process.exit(1);
    }, SHUTDOWN_LIMIT_MS).unref();
    void (async () => {
      try {
        await running.app?.close();
        await running.broker?.stop();
        say('Stopped. Bye!');
        process.exit(0);
      } catch (error) {
        say(`Shutdown failed: ${(error as Error).message}`);
        process.exit(1);
      }
    })();
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

/** Starts the Nest app: HTTP plus ServerKubeMQ, and a ClientKubeMQ for the HTTP endpoints. */
async function startApp(config: SampleConfig, address: string): Promise<INestApplication> {
  const app = await NestFactory.create(
    AppModule.register({ address, clientId: config.clientId, authToken: config.authToken }),
    { logger: ['error', 'warn'] },
  );
  app.connectMicroservice({
    strategy: new ServerKubeMQ({
      address,
      clientId: config.clientId,
      authToken: config.authToken,
      // A server started next to the sample (docker-compose) may need a moment.
      connectTimeout: config.kubemqAddress ? 30_000 : 5_000,
    }),
  });
  try {
    await app.startAllMicroservices();
  } catch (error) {
    await app.close().catch(() => undefined);
    throw new StartupError(
      `Cannot start ServerKubeMQ: ${(error as Error).message}` +
        (config.kubemqAddress ? ' (check KUBEMQ_ADDRESS)' : ''),
    );
  }
  try {
    await app.listen(config.httpPort);
  } catch (error) {
    await app.close().catch(() => undefined);
    const taken = (error as { code?: string }).code === 'EADDRINUSE';
    throw new StartupError(
      taken
        ? `HTTP port ${config.httpPort} is already in use: set PORT to another port (0 picks a free one)`
        : `Cannot serve HTTP on port ${config.httpPort}: ${(error as Error).message}`,
    );
  }
  return app;
}

/** The walkthrough's first step, done for you: one hello-command through the ClientKubeMQ. */
async function helloRoundTrip(app: INestApplication, external: boolean): Promise<void> {
  const client = app.get<ClientKubeMQ>(KUBEMQ_CLIENT);
  const message = 'Hello from the nestjs-kubemq sample';
  const record = new KubeMQRecordBuilder(message).setMetadata('startup round trip').build();
  say(`hello-command round trip:`);
  say(`  -> sending a command to "${HELLO_COMMAND}": ${JSON.stringify(message)}`);
  // A real server activates a new subscription a moment after it is opened.
  const attempts = external ? 3 : 1;
  for (let attempt = 1; ; attempt += 1) {
    const started = Date.now();
    try {
      const response: KubeMQCommandResponse = await firstValueFrom(
        client.send(HELLO_COMMAND, record),
      );
      say(
        `  <- response: Executed: ${response.executed} (RequestID ${response.requestId}, ` +
          `answered by ${response.clientId}, ${Date.now() - started} ms)`,
      );
      return;
    } catch (error) {
      const timedOut = (error as { isTimeout?: boolean }).isTimeout === true;
      if (!timedOut || attempt >= attempts) {
        say(`  <- failed: ${(error as Error).message ?? JSON.stringify(error)}`);
        return;
      }
    }
  }
}

/** Runs the sample; resolves once it serves (a signal then stops it). */
export async function bootstrap(): Promise<void> {
  const running: Running = {};
  onSignals(running);
  try {
    const config = loadConfig();
    if (!config.kubemqAddress) running.broker = await startEmbeddedBroker(config);
    const address = config.kubemqAddress ?? running.broker!.address;
    running.app = await startApp(config, address);
    const httpAddress = (running.app.getHttpServer() as Server).address();
    const httpPort = typeof httpAddress === 'object' && httpAddress ? httpAddress.port : 0;
    const at = endpoints(config, running.broker, httpPort);
    say(whereItRuns(at));
    await helloRoundTrip(running.app, at.external);
    say(nextSteps(at));
    say('Serving until Ctrl-C.');
  } catch (error) {
    const known = error instanceof StartupError || error instanceof ConfigError;
    say(known ? (error as Error).message : `Unexpected error: ${(error as Error).stack ?? error}`);
    await running.app?.close().catch(() => undefined);
    await running.broker?.stop();
    process.exit(1);
  }
}

if (require.main === module) void bootstrap();
