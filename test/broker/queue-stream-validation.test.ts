// StreamQueueMessage (§6.5): every request type refused in-band with its
// error text, in the server's order; the stream goes on after each.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KubeMQErrorText as E } from '../../lib/kubemq/errors';
import {
  StreamRequestType as T,
  type StreamQueueMessagesResponse,
} from '../../lib/kubemq/queues/queue-messages';
import { uniqueChannel } from '../support/broker';
import { queueMessage, useQueueClient, type QueueStream } from '../support/raw-queue-client';

const env = useQueueClient();

/** `requestId|type|error` of a response. */
const brief = (response: StreamQueueMessagesResponse): string =>
  `${response.RequestID}|${response.StreamRequestTypeData}|${response.Error}`;

describe('StreamQueueMessage requests refused in-band (the stream goes on)', () => {
  it('answers each invalid request with its error, echoing RequestID and type', async () => {
    const channel = uniqueChannel('q-stream');
    const stream = env.queues.stream();
    try {
      const cases: [string, Parameters<QueueStream['request']>[0], string][] = [
        [
          'ClientID before type',
          { ClientID: '', StreamRequestTypeData: 0, RequestID: 'a' },
          E.emptyClientId,
        ],
        ['type 0', { StreamRequestTypeData: 0, RequestID: 'b' }, E.invalidStreamRequestType],
        ['type 9', { StreamRequestTypeData: 9, RequestID: 'c' }, E.invalidStreamRequestType],
        [
          'receive: channel',
          { StreamRequestTypeData: T.ReceiveMessage, Channel: 'a b' },
          E.invalidQueueName,
        ],
        [
          'receive: visibility -1',
          { StreamRequestTypeData: T.ReceiveMessage, Channel: channel, VisibilitySeconds: -1 },
          E.invalidVisibility,
        ],
        [
          'receive: visibility 43201 before wait',
          {
            StreamRequestTypeData: T.ReceiveMessage,
            Channel: channel,
            VisibilitySeconds: 43201,
            WaitTimeSeconds: -1,
          },
          E.invalidVisibility,
        ],
        [
          'receive: wait 3601',
          { StreamRequestTypeData: T.ReceiveMessage, Channel: channel, WaitTimeSeconds: 3601 },
          E.invalidWaitTimeout,
        ],
        [
          'receive: a colon',
          { StreamRequestTypeData: T.ReceiveMessage, Channel: 'a:b' },
          E.queueSubscribeFailed,
        ],
        [
          'ack: sequence 0',
          { StreamRequestTypeData: T.AckMessage, RefSequence: '0' },
          E.invalidAckSequence,
        ],
        [
          'ack: no message',
          { StreamRequestTypeData: T.AckMessage, RefSequence: '5' },
          E.noActiveMessageToAck,
        ],
        [
          'reject: sequence 0',
          { StreamRequestTypeData: T.RejectMessage, RefSequence: '0' },
          E.invalidAckSequence,
        ],
        [
          'reject: no message',
          { StreamRequestTypeData: T.RejectMessage, RefSequence: '5' },
          E.noActiveMessageToReject,
        ],
        [
          'visibility -1',
          { StreamRequestTypeData: T.ModifyVisibility, VisibilitySeconds: -1 },
          E.invalidVisibility,
        ],
        [
          'resend: channel',
          { StreamRequestTypeData: T.ResendMessage, Channel: 'a b' },
          E.invalidQueueName,
        ],
        [
          'resend: no message',
          { StreamRequestTypeData: T.ResendMessage, Channel: channel },
          E.noActiveMessageToSend,
        ],
        ['modified: none', { StreamRequestTypeData: T.SendModifiedMessage }, E.invalidQueueMessage],
        [
          'modified: validated like a send, before visibility',
          {
            StreamRequestTypeData: T.SendModifiedMessage,
            ModifiedMessage: queueMessage({ ClientID: '', Channel: channel }),
            VisibilitySeconds: -1,
          },
          E.emptyClientId,
        ],
        [
          'modified: policy',
          {
            StreamRequestTypeData: T.SendModifiedMessage,
            ModifiedMessage: queueMessage({
              Channel: channel,
              Policy: {
                ExpirationSeconds: 0,
                DelaySeconds: -1,
                MaxReceiveCount: 0,
                MaxReceiveQueue: '',
              },
            }),
          },
          E.invalidDelay,
        ],
        [
          'modified: visibility',
          {
            StreamRequestTypeData: T.SendModifiedMessage,
            ModifiedMessage: queueMessage({ Channel: channel }),
            VisibilitySeconds: -1,
          },
          E.invalidVisibility,
        ],
        [
          'modified: no message',
          {
            StreamRequestTypeData: T.SendModifiedMessage,
            ModifiedMessage: queueMessage({ Channel: channel }),
          },
          E.noActiveMessageToAck,
        ],
      ];
      for (const [what, fields, error] of cases) {
        stream.request(fields);
        const response = await stream.next();
        assert.equal(response.Error, error, what);
        assert.equal(response.IsError, true, what);
        assert.equal(response.StreamRequestTypeData, fields.StreamRequestTypeData, what);
        assert.equal(response.Message, null, what);
        if (fields.RequestID) assert.equal(response.RequestID, fields.RequestID, what);
        else assert.match(response.RequestID, /^[0-9A-Za-z]{22}$/, `${what}: RequestID generated`);
      }
      stream.request({
        StreamRequestTypeData: T.ModifyVisibility,
        VisibilitySeconds: 5,
        RequestID: 'mv',
      });
      assert.equal(brief(await stream.next()), 'mv|4|', 'ModifyVisibility needs no message');
      assert.equal(stream.isEnded, false);
    } finally {
      stream.cancel();
    }
  });
});
