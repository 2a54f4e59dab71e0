import { KubeMQContext } from '../../ctx-host/kubemq.context';
import { subscribeChannelError } from '../../kubemq/channel-rules';
import { KubeMQError } from '../../kubemq/kubemq-error';
import { makeSubscribe, SubscribeType, type KubeMQRequest } from '../../kubemq/messages';
import { bodyFormatOf, decodeBody } from '../../serializers/body-codec';
import { type ConsumerHost, type ConsumerKind, type KubeMQConsumer } from '../consumer';
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
  const ctx = KubeMQContext.forRequest(entry.kind as 'command' | 'query', entry.channel, request);
  let processing = true;
  // As in Nest's own transports, processing ends when the response is handed
  // over, before it is sent: the caller may have it before SendResponse returns.
  const endProcessing = () => {
    if (!processing) return;
    processing = false;
    host.endProcessing(ctx);
  };
  try {
    const data = decodeBody(request.Body, bodyFormatOf(request.Tags));
    const outcome = await host.run(entry.handler, data, ctx);
    const response = buildSendableResponse(
      request,
      entry.kind === 'query',
      outcome,
      host.connection.clientId,
      (error) =>
        host.logger.error(
          `The handler of "${entry.channel}" returned a value that cannot be sent: ${error.message}`,
        ),
    );
    endProcessing();
    // Past the sender's own timeout nobody waits for it: don't wait longer either.
    await host.connection.sendResponse(response, Math.max(1_000, request.Timeout));
  } catch (error) {
    host.reportError(
      `Could not answer request ${request.RequestID} on "${request.Channel}"`,
      error,
    );
  } finally {
    endProcessing();
    done();
  }
}
