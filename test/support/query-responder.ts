import {
  makeResponse,
  makeSubscribe,
  SubscribeType,
  type KubeMQConnection,
  type KubeMQRequest,
  type KubeMQResponse,
} from '../../lib';
import { delay } from './delay';

/** What {@link answerQueries} returns: a way to stop answering. */
export interface QueryResponder {
  cancel(): void;
}

/**
 * Subscribes `responder` to the queries of `channel` and answers each with
 * `Executed: true` and the fields `answer` gives; resolves once the
 * subscription had time to become active (KubeMQ gives no signal).
 */
export async function answerQueries(
  responder: KubeMQConnection,
  channel: string,
  answer: (request: KubeMQRequest) => Partial<KubeMQResponse>,
): Promise<QueryResponder> {
  const subscription = responder.subscribeToRequests(
    makeSubscribe({
      SubscribeTypeData: SubscribeType.Queries,
      ClientID: responder.clientId,
      Channel: channel,
    }),
    {
      onMessage: (request) =>
        void responder.sendResponse(
          makeResponse({
            ClientID: responder.clientId,
            RequestID: request.RequestID,
            ReplyChannel: request.ReplyChannel,
            Executed: true,
            ...answer(request),
          }),
        ),
    },
  );
  await delay(150);
  return subscription;
}
