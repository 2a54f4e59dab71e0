// Hostile input through a foreign client (the bare gRPC client) to a Nest app: seeded random
// and malformed bodies, metadata and tags for queries, commands and events. The app must answer
// every request (a value or a clear error), never crash, never pollute a prototype, and keep
// its memory. FUZZ_CASES and FUZZ_SEED change the run (`npm run faults` runs more, and reads
// the figures written to FUZZ_REPORT).
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Controller, type INestMicroservice } from '@nestjs/common';
import { Ctx, EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { KubeMQContext, RequestType } from '../../lib';
import { startTestBroker, uniqueChannel, type TestBrokerHandle } from '../support/broker';
import { HostileInput, type HostileMessage } from '../support/fuzz';
import { moduleWith, startMicroservice } from '../support/nest';
import { RawKubeMQClient, delay, SUBSCRIBE_SETTLE_MS } from '../support/raw-kubemq-client';

const CASES = Number(process.env.FUZZ_CASES ?? 2000);
const SEED = Number(process.env.FUZZ_SEED ?? 20261130);
const CONCURRENCY = 8;

const queryChannel = uniqueChannel('fuzz-query');
const commandChannel = uniqueChannel('fuzz-command');
const eventChannel = uniqueChannel('fuzz-event');
let eventsHandled = 0;

/** What a handler saw, reduced to something always serializable. */
function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (Buffer.isBuffer(value)) return `buffer:${value.length}`;
  if (Array.isArray(value)) return `array:${value.length}`;
  return typeof value;
}

@Controller()
class FuzzController {
  @MessagePattern(queryChannel, { type: 'query' })
  query(@Payload() data: unknown, @Ctx() ctx: KubeMQContext) {
    return {
      data: describeValue(data),
      metadata: ctx.getMetadata().length,
      tags: Object.keys(ctx.getTags()).length,
    };
  }

  @MessagePattern(commandChannel)
  command(@Payload() data: unknown) {
    if (typeof data === 'number' && data > 0.5) throw new Error('a failing handler');
    return describeValue(data);
  }

  @EventPattern(eventChannel)
  event(@Payload() data: unknown) {
    describeValue(data);
    eventsHandled += 1;
  }
}

function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/** Keys a polluted Object.prototype would have. */
function pollution(): string[] {
  const probe = {} as Record<string, unknown>;
  return ['polluted', 'a', 'b'].filter((key) => key in probe || probe[key] !== undefined);
}

describe(`hostile input from a foreign client (seed ${SEED}, ${CASES} cases)`, () => {
  let broker: TestBrokerHandle;
  let app: INestMicroservice;
  let raw: RawKubeMQClient;
  const crashes: unknown[] = [];
  const onCrash = (error: unknown) => crashes.push(error);

  before(async () => {
    process.on('uncaughtException', onCrash);
    process.on('unhandledRejection', onCrash);
    broker = await startTestBroker();
    ({ app } = await startMicroservice(moduleWith({ controllers: [FuzzController] }), {
      address: broker.address,
    }));
    raw = new RawKubeMQClient(broker.address);
    await delay(SUBSCRIBE_SETTLE_MS);
  });

  after(async () => {
    raw?.close();
    await app?.close();
    await broker?.stop();
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
  });

  /** Sends one case; returns what went wrong, or undefined when it was answered. */
  async function send(input: HostileInput, index: number, message: HostileMessage) {
    const channels = [queryChannel, commandChannel, eventChannel];
    const target = channels[index % channels.length];
    const label = `case ${index} (${message.kind}) on ${target}`;
    if (target === eventChannel) {
      const result = await raw.sendEvent({
        ClientID: 'fuzzer',
        Channel: target,
        Body: message.body,
        Metadata: message.metadata,
        Tags: message.tags,
      });
      return result.Sent ? undefined : `${label}: event not sent: ${result.Error}`;
    }
    const response = await raw.sendRequest({
      RequestTypeData: target === queryChannel ? RequestType.Query : RequestType.Command,
      ClientID: 'fuzzer',
      Channel: target,
      Timeout: 10_000,
      Body: message.body,
      Metadata: message.metadata,
      Tags: message.tags,
      RequestID: input.int(2) === 0 ? '' : `fuzz-${index}`,
    });
    if (response.Executed) return undefined;
    return response.Error.length > 0 ? undefined : `${label}: not executed, and no error text`;
  }

  it('answers every request, survives every event, pollutes nothing and keeps its memory', async () => {
    const input = new HostileInput(SEED);
    collectGarbage();
    const heapBefore = process.memoryUsage().heapUsed;
    const startedAt = Date.now();
    const problems: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < CASES) {
        const index = next++;
        const message = input.message();
        try {
          const problem = await send(input, index, message);
          if (problem) problems.push(problem);
        } catch (error) {
          problems.push(`case ${index} (${message.kind}): ${(error as Error).message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    assert.deepEqual(problems.slice(0, 5), [], `${problems.length} of ${CASES} cases failed`);
    assert.deepEqual(crashes, [], 'no uncaught exception or unhandled rejection');
    assert.deepEqual(pollution(), [], 'Object.prototype is not polluted');
    // Events are fire-and-forget: wait until the last ones have been handled.
    const events = Math.floor(CASES / 3);
    for (let i = 0; i < 100 && eventsHandled < events; i += 1) await delay(50);
    assert.equal(eventsHandled, events, 'every event reached its handler');

    // Still serving normally afterwards.
    const healthy = await raw.sendRequest({
      RequestTypeData: RequestType.Query,
      ClientID: 'fuzzer',
      Channel: queryChannel,
      Timeout: 5000,
      Body: Buffer.from('{"ok":true}'),
    });
    assert.equal(healthy.Executed, true);

    collectGarbage();
    const heapAfter = process.memoryUsage().heapUsed;
    const grownMb = (heapAfter - heapBefore) / 1024 / 1024;
    const report = process.env.FUZZ_REPORT;
    if (report) {
      const seconds = (Date.now() - startedAt) / 1000;
      const mib = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
      const figures = { seed: SEED, cases: CASES, seconds, heapBeforeMiB: mib(heapBefore) };
      writeFileSync(report, JSON.stringify({ ...figures, heapAfterMiB: mib(heapAfter) }));
    }
    // Generous: the point is "no leak proportional to the cases", not a budget.
    assert.ok(grownMb < 64, `heap grew by ${grownMb.toFixed(1)} MiB over ${CASES} cases`);
  });
});
