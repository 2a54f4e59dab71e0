// StreamQueueMessage (§6.5): one transaction per stream: delivery, ack,
// reject, visibility (Error 129), wait expiry (Error 138), resend, replace,
// and what happens to the message in hand when the client goes away.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KubeMQErrorText as E } from '../../lib/kubemq/errors';
import {
  StreamRequestType as T,
  type StreamQueueMessagesResponse,
} from '../../lib/kubemq/queues/queue-messages';
import { uniqueChannel } from '../support/broker';
import { delay, status, within } from '../support/raw-kubemq-client';
import {
  bodyText,
  deliveries,
  queueMessage,
  useQueueClient,
  type QueueStream,
} from '../support/raw-queue-client';

const env = useQueueClient();

/** `requestId|type|error` of a response: what most assertions compare. */
const brief = (response: StreamQueueMessagesResponse): string =>
  `${response.RequestID}|${response.StreamRequestTypeData}|${response.Error}`;

/** Opens a stream and receives one message of `channel` on it. */
async function receiveOne(
  channel: string,
  visibilitySeconds = 0,
): Promise<[QueueStream, StreamQueueMessagesResponse]> {
  const stream = env.queues.stream();
  stream.request({
    RequestID: 'get',
    StreamRequestTypeData: T.ReceiveMessage,
    Channel: channel,
    WaitTimeSeconds: 1,
    VisibilitySeconds: visibilitySeconds,
  });
  const response = await stream.next();
  assert.equal(response.IsError, false, response.Error);
  return [stream, response];
}

/** Asserts the stream ended with OK within a few seconds. */
async function assertEndedOk(stream: QueueStream): Promise<void> {
  const final = await within(stream.ended, 5000, 'the end of the stream');
  assert.equal(final.code, status.OK, final.details);
}

describe('StreamQueueMessage transactions', { concurrency: true }, () => {
  it('delivers one message, refuses a second receive and a wrong sequence, then acks and ends', async () => {
    const channel = uniqueChannel('q-stream');
    await env.queues.sendBodies(channel, ['1', '2']);
    const [stream, got] = await receiveOne(channel);
    try {
      assert.equal(got.RequestID, 'get');
      assert.equal(got.StreamRequestTypeData, T.ReceiveMessage);
      assert.deepEqual(deliveries([got.Message!]), ['1#1/rc1']);
      stream.request({ StreamRequestTypeData: T.ReceiveMessage, Channel: 'a b', RequestID: 'r2' });
      assert.equal(brief(await stream.next()), `r2|1|${E.invalidQueueName}`, 'validation first');
      stream.request({
        StreamRequestTypeData: T.ReceiveMessage,
        Channel: channel,
        RequestID: 'r3',
      });
      assert.equal(brief(await stream.next()), `r3|1|${E.queueSubscriptionActive}`);
      stream.request({ StreamRequestTypeData: T.AckMessage, RefSequence: '99', RequestID: 'a1' });
      assert.equal(brief(await stream.next()), `a1|2|${E.invalidAckSequence}`);
      stream.request({
        StreamRequestTypeData: T.RejectMessage,
        RefSequence: '99',
        RequestID: 'j1',
      });
      assert.equal(brief(await stream.next()), `j1|3|${E.invalidAckSequence}`);
      stream.request({ StreamRequestTypeData: T.AckMessage, RefSequence: '1', RequestID: 'ack' });
      const ack = await stream.next();
      assert.deepEqual([brief(ack), ack.IsError, ack.Message], ['ack|2|', false, null]);
      await assertEndedOk(stream);
      const rest = await env.queues.receive({ Channel: channel });
      assert.deepEqual(deliveries(rest.Messages), ['2#2/rc1']);
    } finally {
      stream.cancel();
    }
  });

  it('puts a rejected message back at the tail with a new sequence and ReceiveCount kept', async () => {
    const channel = uniqueChannel('q-stream');
    await env.queues.sendBodies(channel, ['1', '2']);
    const [stream, got] = await receiveOne(channel);
    stream.request({
      StreamRequestTypeData: T.RejectMessage,
      RefSequence: got.Message!.Attributes!.Sequence,
      RequestID: 'rej',
    });
    assert.equal(brief(await stream.next()), 'rej|3|');
    await assertEndedOk(stream);
    const rest = await env.queues.receive({ Channel: channel });
    assert.deepEqual(deliveries(rest.Messages), ['2#2/rc1', '1#3/rc2']);
    assert.equal(rest.Messages[1].MessageID, got.Message!.MessageID);
  });

  it('ends with Error 129 when the visibility runs out, naming the last request, even after a half-close', async () => {
    const channel = uniqueChannel('q-stream');
    await env.queues.sendBodies(channel, ['v']);
    const [stream] = await receiveOne(channel, 1);
    stream.request({
      StreamRequestTypeData: T.ModifyVisibility,
      VisibilitySeconds: 2,
      RequestID: 'mv',
    });
    assert.equal(brief(await stream.next()), 'mv|4|');
    await delay(500);
    stream.request({ StreamRequestTypeData: T.AckMessage, RefSequence: '77', RequestID: 'bad' });
    assert.equal(brief(await stream.next()), `bad|2|${E.invalidAckSequence}`);
    stream.end();
    const expired = await stream.next(5000);
    assert.deepEqual([brief(expired), expired.IsError], [`bad|2|${E.visibilityExpired}`, true]);
    await assertEndedOk(stream);
    const back = await env.queues.receive({ Channel: channel });
    assert.deepEqual(deliveries(back.Messages), ['v#2/rc2']);
  });

  it('ends with Error 138 when no message comes, naming the last request seen', async () => {
    const channel = uniqueChannel('q-stream');
    const stream = env.queues.stream();
    stream.request({
      StreamRequestTypeData: T.ReceiveMessage,
      Channel: channel,
      WaitTimeSeconds: 1,
      RequestID: 'get',
    });
    stream.request({
      StreamRequestTypeData: T.ModifyVisibility,
      VisibilitySeconds: 3,
      RequestID: 'mv',
    });
    assert.equal(brief(await stream.next()), 'mv|4|');
    const expired = await stream.next(5000);
    assert.equal(brief(expired), `mv|4|${E.noNewMessage}`);
    await assertEndedOk(stream);
  });

  it('waits WaitTimeSeconds for a message that arrives later', async () => {
    const channel = uniqueChannel('q-stream');
    const stream = env.queues.stream();
    try {
      stream.request({
        StreamRequestTypeData: T.ReceiveMessage,
        Channel: channel,
        WaitTimeSeconds: 3,
      });
      await delay(300);
      await env.queues.sendBodies(channel, ['late']);
      const got = await stream.next(5000);
      assert.equal(bodyText(got.Message), 'late');
    } finally {
      stream.cancel();
    }
  });

  it('puts the message of a cancelled stream back at the tail', async () => {
    const channel = uniqueChannel('q-stream');
    await env.queues.sendBodies(channel, ['held', 'next']);
    const [stream] = await receiveOne(channel);
    stream.cancel();
    await within(stream.ended, 5000, 'cancel');
    await delay(200);
    const rest = await env.queues.receive({ Channel: channel });
    assert.deepEqual(deliveries(rest.Messages), ['next#2/rc1', 'held#3/rc2']);
  });

  it('resends a copy to another queue (same MessageID, sequence 1 there) and acks the original', async () => {
    const channel = uniqueChannel('q-stream');
    const target = uniqueChannel('q-stream-target');
    await env.queues.send({
      Channel: channel,
      ClientID: 'original-sender',
      Metadata: 'md',
      Tags: { k: 'v' },
      Policy: {
        ExpirationSeconds: 100,
        DelaySeconds: 0,
        MaxReceiveCount: 5,
        MaxReceiveQueue: 'dlq',
      },
    });
    const [stream, got] = await receiveOne(channel);
    stream.request({ StreamRequestTypeData: T.ResendMessage, Channel: 'a..b', RequestID: 'bad' });
    assert.equal(
      brief(await stream.next()),
      `bad|5|${E.queueSendFailed}`,
      'a failed send keeps the transaction',
    );
    stream.request({
      StreamRequestTypeData: T.ResendMessage,
      Channel: target,
      ClientID: 'resender',
      RequestID: 'resend',
    });
    assert.equal(brief(await stream.next()), 'resend|5|');
    await assertEndedOk(stream);
    const [copy] = (await env.queues.receive({ Channel: target, MaxNumberOfMessages: 1 })).Messages;
    assert.equal(copy.MessageID, got.Message!.MessageID);
    assert.deepEqual(
      [copy.Channel, copy.ClientID, copy.Metadata, copy.Tags],
      [target, 'original-sender', 'md', { k: 'v' }],
    );
    assert.deepEqual(
      [copy.Attributes?.Sequence, copy.Attributes?.ReceiveCount, copy.Policy?.MaxReceiveCount],
      ['1', 1, 5],
    );
    assert.ok(
      BigInt(copy.Attributes!.ExpirationAt) > BigInt(got.Message!.Attributes!.ExpirationAt),
      'expiry counted again from the resend',
    );
    assert.deepEqual(await env.queues.peekBodies(channel), []);
  });

  it('replaces the message with a modified one (new MessageID) and acks the original', async () => {
    const channel = uniqueChannel('q-stream');
    const target = uniqueChannel('q-stream-target');
    await env.queues.sendBodies(channel, ['original']);
    const [stream] = await receiveOne(channel);
    stream.request({
      StreamRequestTypeData: T.SendModifiedMessage,
      RequestID: 'mod',
      ModifiedMessage: queueMessage({
        Channel: target,
        ClientID: 'mc',
        Body: Buffer.from('modified'),
      }),
    });
    assert.equal(brief(await stream.next()), 'mod|6|');
    await assertEndedOk(stream);
    const { Messages } = await env.queues.receive({ Channel: target });
    assert.deepEqual(deliveries(Messages), ['modified#1/rc1']);
    assert.match(Messages[0].MessageID, /^[0-9A-Za-z]{22}$/);
    assert.deepEqual(await env.queues.peekBodies(channel), []);
  });
});
