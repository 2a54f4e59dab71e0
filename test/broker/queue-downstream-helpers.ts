import assert from 'node:assert/strict';
import {
  QueuesDownstreamRequestType as T,
  type QueuesDownstreamResponse,
} from '../../lib/kubemq/queues/queue-messages';
import type { Downstream, RawQueueClient } from '../support/raw-queue-client';

/** Shared by the QueuesDownstream conformance tests. */

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Long enough to see that a settlement gets no answer. */
export const NO_ANSWER_MS = 400;

/** `refRequestId|type|error` of a response. */
export const brief = (response: QueuesDownstreamResponse): string =>
  `${response.RefRequestId}|${response.RequestTypeData}|${response.Error}`;

/** Gets up to `max` messages of `channel` on `stream` (a new one by default). */
export async function getOn(
  queues: RawQueueClient,
  channel: string,
  max: number,
  stream: Downstream = queues.downstream(),
): Promise<[Downstream, QueuesDownstreamResponse]> {
  stream.request({ RequestTypeData: T.Get, Channel: channel, MaxItems: max, RequestID: 'get' });
  const got = await stream.next(5000);
  assert.equal(got.IsError, false, got.Error);
  return [stream, got];
}

/** The transaction's active offsets, sorted (the real server lists them in map order). */
export async function activeOffsets(stream: Downstream, transactionId: string): Promise<string[]> {
  stream.request({
    RequestTypeData: T.ActiveOffsets,
    RefTransactionId: transactionId,
    RequestID: 'ao',
  });
  const response = await stream.next();
  assert.equal(response.IsError, false, response.Error);
  assert.deepEqual(
    [response.TransactionId, response.RequestTypeData],
    [transactionId, T.ActiveOffsets],
  );
  return [...response.ActiveOffsets].sort((a, b) => Number(a) - Number(b));
}
