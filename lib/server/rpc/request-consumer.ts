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
        onMessage: (request) => void answerRequest(host, entry, request),
      },
    );
    return { stop: () => subscription.cancel() };
  },
};

async function answerRequest(
  host: ConsumerHost,
  entry: PlannedSubscription,
  request: KubeMQRequest,
): Promise<void> {
  const done = host.startWork();
  const isQuery = entry.kind === 'query';
  const ctx = KubeMQContext.forRequest(entry.kind as 'command' | 'query', entry.channel, request);
  const span = host.tracing?.start(ctx, entry.group, request.Body.length);
  let processing = false;
  // As in Nest's own transports, processing ends when the response is handed
  // over, before it is sent: the caller may have it before SendResponse returns.
  const endProcessing = () => {
    if (!processing) return;
    processing = false;
    host.endProcessing(ctx);
  };
  try {
    let outcome: HandlerOutcome;
    let encoded: EncodedBody | undefined;
    if (host.serialization) {
      ({ outcome, encoded } = await runSerialized(host, entry, request, ctx, span, () => {
        processing = true;
      }));
    } else {
      processing = true;
      const data = decodeBody(request.Body, bodyFormatOf(request.Tags));
      outcome = await host.run(entry.handler, data, ctx, span);
    }
    const response = buildSendableResponse(
      request,
      isQuery,
      outcome,
      host.connection.clientId,
      (error) =>
        host.logger.error(
          `The handler of "${entry.channel}" returned a value that cannot be sent: ${error.message}`,
        ),
      encoded,
    );
    endProcessing();
    span?.end(outcome.ok ? undefined : outcome.error);
    // Past the sender's own timeout nobody waits for it: don't wait longer either.
    await host.connection.sendResponse(response, Math.max(1_000, request.Timeout));
  } catch (error) {
    host.reportError(
      `Could not answer request ${request.RequestID} on "${request.Channel}"`,
      error,
    );
  } finally {
    endProcessing();
    span?.end();
    done();
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
