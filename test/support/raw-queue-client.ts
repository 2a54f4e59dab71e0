import {
  makeDownstreamRequest,
  makeQueueMessage,
  makeStreamQueueRequest,
  type AckAllQueueMessagesRequest,
  type AckAllQueueMessagesResponse,
  type QueueMessage,
  type QueueMessagesBatchResponse,
  type QueuesDownstreamRequest,
  type QueuesDownstreamResponse,
  type QueuesInfoResponse,
  type QueuesUpstreamRequest,
  type QueuesUpstreamResponse,
  type ReceiveQueueMessagesRequest,
  type ReceiveQueueMessagesResponse,
  type SendQueueMessageResult,
  type StreamQueueMessagesRequest,
  type StreamQueueMessagesResponse,
} from '../../lib';
import {
  useRawClient,
  type CallOptions,
  type DuplexReader,
  type RawKubeMQClient,
} from './raw-kubemq-client';

/**
 * Queue calls on a bare gRPC client, with the defaults a conformance test
 * wants (ClientID "c", a body, one-second waits), so each test only spells
 * out what it checks.
 */

/** A QueueMessage to send: ClientID "c" and body "b" unless given. */
export function queueMessage(fields: Partial<QueueMessage>): QueueMessage {
  return makeQueueMessage({ ClientID: 'c', Body: Buffer.from('b'), ...fields });
}

/** The body of a received message as text. */
export const bodyText = (message: QueueMessage | null | undefined): string =>
  Buffer.from(message?.Body ?? []).toString();

/** A StreamQueueMessage stream: write requests, read responses in order. */
export type QueueStream = DuplexReader<StreamQueueMessagesRequest, StreamQueueMessagesResponse> & {
  /** Writes one request (ClientID "c" unless given). */
  request(fields: Partial<StreamQueueMessagesRequest>): void;
};

/** A QueuesDownstream stream. */
export type Downstream = DuplexReader<QueuesDownstreamRequest, QueuesDownstreamResponse> & {
  /** Writes one request (ClientID "c" unless given). */
  request(fields: Partial<QueuesDownstreamRequest>): void;
};

export class RawQueueClient {
  constructor(readonly raw: RawKubeMQClient) {}

  send(fields: Partial<QueueMessage>, options?: CallOptions): Promise<SendQueueMessageResult> {
    return this.raw.unary('SendQueueMessage', queueMessage(fields), options);
  }

  /** Sends one message per body, in order, and returns their results. */
  async sendBodies(channel: string, bodies: string[]): Promise<SendQueueMessageResult[]> {
    const results: SendQueueMessageResult[] = [];
    for (const body of bodies)
      results.push(await this.send({ Channel: channel, Body: Buffer.from(body) }));
    return results;
  }

  batch(messages: Partial<QueueMessage>[], batchId = ''): Promise<QueueMessagesBatchResponse> {
    return this.raw.unary('SendQueueMessagesBatch', {
      BatchID: batchId,
      Messages: messages.map(queueMessage),
    });
  }

  /** ReceiveQueueMessages with ClientID "c", up to 10 messages, a 1 s wait, unless given. */
  receive(
    fields: Partial<ReceiveQueueMessagesRequest>,
    options?: CallOptions,
  ): Promise<ReceiveQueueMessagesResponse> {
    return this.raw.unary(
      'ReceiveQueueMessages',
      {
        RequestID: '',
        ClientID: 'c',
        Channel: '',
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        IsPeak: false,
        ...fields,
      },
      options,
    );
  }

  /** Peeks at what a channel holds (10 messages, 1 s), leaving it there. */
  async peekBodies(channel: string): Promise<string[]> {
    const response = await this.receive({ Channel: channel, IsPeak: true });
    return response.Messages.map(bodyText);
  }

  ackAll(fields: Partial<AckAllQueueMessagesRequest>): Promise<AckAllQueueMessagesResponse> {
    return this.raw.unary('AckAllQueueMessages', {
      RequestID: '',
      ClientID: 'c',
      Channel: '',
      WaitTimeSeconds: 1,
      ...fields,
    });
  }

  info(queueName: string, requestId = ''): Promise<QueuesInfoResponse> {
    return this.raw.unary('QueuesInfo', { RequestID: requestId, QueueName: queueName });
  }

  stream(): QueueStream {
    const stream = this.raw.openDuplex<StreamQueueMessagesRequest, StreamQueueMessagesResponse>(
      'StreamQueueMessage',
    );
    return Object.assign(stream, {
      request: (fields: Partial<StreamQueueMessagesRequest>) =>
        stream.write(makeStreamQueueRequest({ ClientID: 'c', ...fields })),
    });
  }

  downstream(): Downstream {
    const stream = this.raw.openDuplex<QueuesDownstreamRequest, QueuesDownstreamResponse>(
      'QueuesDownstream',
    );
    return Object.assign(stream, {
      request: (fields: Partial<QueuesDownstreamRequest>) =>
        stream.write(makeDownstreamRequest({ ClientID: 'c', ...fields })),
    });
  }

  upstream(): DuplexReader<QueuesUpstreamRequest, QueuesUpstreamResponse> {
    return this.raw.openDuplex('QueuesUpstream');
  }
}

/**
 * Registers `before`/`after` hooks (via useRawClient) for the calling test
 * file: a broker (KUBEMQ_ADDRESS when set) and a queue client on it.
 */
export function useQueueClient(): {
  readonly queues: RawQueueClient;
  readonly raw: RawKubeMQClient;
} {
  const env = useRawClient();
  let queues: RawQueueClient | undefined;
  return {
    get raw() {
      return env.client;
    },
    get queues() {
      queues ??= new RawQueueClient(env.client);
      return queues;
    },
  };
}

/** `body#sequence/rcN` of each message: what most delivery assertions compare. */
export function deliveries(messages: QueueMessage[]): string[] {
  return messages.map(
    (message) =>
      `${bodyText(message)}#${message.Attributes?.Sequence}/rc${message.Attributes?.ReceiveCount}`,
  );
}
