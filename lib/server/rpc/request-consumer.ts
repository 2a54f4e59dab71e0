import { KubeMQContext } from '../../ctx-host/kubemq.context';
import { subscribeChannelError } from '../../kubemq/channel-rules';
import { KubeMQError } from '../../kubemq/kubemq-error';
import { makeSubscribe, SubscribeType, type KubeMQRequest } from '../../kubemq/messages';
import { INTERNAL_ERROR } from '../../errors/wire-error';
import { bodyFormatOf, decodeBody, type EncodedBody } from '../../serializers/body-codec';
import { type ConsumerHost, type ConsumerKind, type KubeMQConsumer } from '../consumer';
import { type HandlerOutcome } from '../handler-runner';
import { deserializeIncoming, serializeResult } from '../incoming-payload';
import { type IncomingSpan } from '../../tracing/server-tracing';
import { type PlannedSubscription } from '../subscription-plan';
import { buildSendableResponse } from './response-builder';

/** Commands and queries: each request runs through Nest and is answered with SendResponse. */
export const requestConsumer: ConsumerKind = {
  check(entry) {
    const problem = subscribeChannelError(entry.channel);
    if (problem) {
      throw new KubeMQError(`Cannot subscribe to KubeMQ channel "${entry.channel}": ${problem}`);
    }
  },

  open(host, entry): KubeMQConsumer {
    const { connection } = host;
    const subscription = connection.subscribeToRequests(
      makeSubscribe({
        SubscribeTypeData: entry.kind === 'query' ? SubscribeType.Queries : SubscribeType.Commands,
        ClientID: connection.clientId,
        Channel: entry.channel,
        Group: entry.group,
      }),
      {
        ...host.lifecycle(entry.channel),
        onMessage: (request) => answerRequest(host, entry, request),
      },
    );
    return { stop: () => subscription.cancel() };
  },
};

function answerRequest(
  host: ConsumerHost,
  entry: PlannedSubscription,
  request: KubeMQRequest,
): void {
  const ctx = KubeMQContext.forRequest(entry.kind as 'command' | 'query', entry.channel, request);
  new RequestAnswer(host, entry, request, ctx).start();
}

/**
 * One request from its arrival to its answer: Nest's pipeline, the
 * Response, SendResponse. Written with callbacks on one object rather than
 * an async function, so that a request costs the handler's own promise and
 * little else on the way.
 */
class RequestAnswer {
  private readonly done: () => void;
  private readonly span: IncomingSpan | undefined;
  private processing = false;

  constructor(
    private readonly host: ConsumerHost,
    private readonly entry: PlannedSubscription,
    private readonly request: KubeMQRequest,
    private readonly ctx: KubeMQContext,
  ) {
    this.done = host.startWork();
    this.span = host.tracing?.start(ctx, entry.group, request.Body.length);
  }

  start(): void {
    const { host, entry, request, ctx } = this;
    try {
      if (host.serialization) {
        runSerialized(host, entry, request, ctx, this.span, () => {
          this.processing = true;
        }).then(
          ({ outcome, encoded }) => this.respond(outcome, encoded),
          (error: unknown) => this.fail(error),
        );
        return;
      }
      this.processing = true;
      const data = decodeBody(request.Body, bodyFormatOf(request.Tags));
      host.run(entry.handler, data, ctx, this.span).then(
        (outcome) => this.respond(outcome, undefined),
        (error: unknown) => this.fail(error),
      );
    } catch (error) {
      this.fail(error);
    }
  }

  private respond(outcome: HandlerOutcome, encoded: EncodedBody | undefined): void {
    const { host, entry, request } = this;
    try {
      const response = buildSendableResponse(
        request,
        entry.kind === 'query',
        outcome,
        host.connection.clientId,
        (error) =>
          host.logger.error(
            `The handler of "${entry.channel}" returned a value that cannot be sent: ${error.message}`,
          ),
        encoded,
      );
      // As in Nest's own transports, processing ends when the response is handed
      // over, before it is sent: the caller may have it before SendResponse returns.
      this.endProcessing();
      this.span?.end(outcome.ok ? undefined : outcome.error);
      // Past the sender's own timeout nobody waits for it: don't wait longer either.
      host.connection.sendResponseWithCallback(
        response,
        Math.max(1_000, request.Timeout),
        (error) => (error ? this.fail(error) : this.finish()),
      );
    } catch (error) {
      this.fail(error);
    }
  }

  private fail(error: unknown): void {
    const { request } = this;
    this.host.reportError(
      `Could not answer request ${request.RequestID} on "${request.Channel}"`,
      error,
    );
    this.finish();
  }

  private finish(): void {
    this.endProcessing();
    this.span?.end();
    this.done();
  }

  private endProcessing(): void {
    if (!this.processing) return;
    this.processing = false;
    this.host.endProcessing(this.ctx);
  }
}

/**
 * With a custom serializer or deserializer: a request that cannot be read
 * is answered with an error saying why (the handler never runs); a result
 * the serializer refuses becomes Nest's internal error, logged here.
 */
async function runSerialized(
  host: ConsumerHost,
  entry: PlannedSubscription,
  request: KubeMQRequest,
  ctx: KubeMQContext,
  span: IncomingSpan | undefined,
  started: () => void,
): Promise<{ outcome: HandlerOutcome; encoded: EncodedBody | undefined }> {
  const serialization = host.serialization!;
  let data: unknown;
  try {
    data = await deserializeIncoming(serialization, request.Body, request.Tags, ctx);
  } catch (error) {
    const message = (error as Error).message;
    host.logger.error(message);
    return { outcome: { ok: false, error: { status: 'error', message } }, encoded: undefined };
  }
  started();
  const outcome = await host.run(entry.handler, data, ctx, span);
  if (entry.kind !== 'query' || !outcome.ok || outcome.value === undefined) {
    return { outcome, encoded: undefined };
  }
  try {
    return { outcome, encoded: await serializeResult(serialization, outcome.value, ctx) };
  } catch (error) {
    host.logger.error(
      `The handler of "${entry.channel}" returned a value that cannot be sent: ${(error as Error).message}`,
    );
    return { outcome: { ok: false, error: INTERNAL_ERROR }, encoded: undefined };
  }
}
