import type { IncomingMessage } from 'node:http';
import { KubeMQErrorText } from '../../kubemq/errors';
import type {
  AckAllQueueMessagesResponse,
  ReceiveQueueMessagesResponse,
} from '../../kubemq/queues/queue-messages';
import { BROKER_STOPPED } from '../broker-status';
import { ackAllQueueMessages, receiveQueueMessages } from '../queues/queue-pull';
import { sendQueueMessage } from '../queues/queue-send';
import { queuesInfo } from '../queues/queues-info';
import type { BrokerCore } from './broker-core';
import { BindError, bindBody } from './http-bind';
import { envelope, type HttpReply, type ServerHeaders } from './http-reply';
import {
  ACK_ALL_REQUEST_SCHEMA,
  ACK_ALL_RESPONSE_SCHEMA,
  BATCH_REQUEST_SCHEMA,
  BATCH_RESPONSE_SCHEMA,
  INFO_REQUEST_SCHEMA,
  INFO_RESPONSE_SCHEMA,
  QUEUE_MESSAGE_SCHEMA,
  RECEIVE_REQUEST_SCHEMA,
  RECEIVE_RESPONSE_SCHEMA,
  SEND_RESULT_SCHEMA,
} from './queue-wire-schemas';
import { encodeWire } from './wire-json';
import type { WireSchema } from './wire-fields';

/**
 * The REST face's queue routes (§8.1): `POST /queue/send`,
 * `/queue/send_batch`, `/queue/receive`, `/queue/ack_all` and
 * `GET /queue/info` (its JSON body, not the query, names the queues), over
 * the same queues as gRPC. Validation errors are in-band (HTTP 200), as on
 * the server; only an empty batch is an HTTP 400.
 */
export class QueueRoutes {
  constructor(
    private readonly core: BrokerCore,
    private readonly headers: ServerHeaders,
  ) {}

  send(request: IncomingMessage, body: Buffer): HttpReply {
    return this.handle(request, body, QUEUE_MESSAGE_SCHEMA, (message) =>
      this.ok(SEND_RESULT_SCHEMA, sendQueueMessage(this.core.queues.engine, message).result),
    );
  }

  sendBatch(request: IncomingMessage, body: Buffer): HttpReply {
    return this.handle(request, body, BATCH_REQUEST_SCHEMA, ({ BatchID, Messages }) => {
      if (Messages.length === 0) {
        return envelope(this.headers, 400, { error: KubeMQErrorText.noMessagesToSend });
      }
      const outcomes = Messages.map((m) => sendQueueMessage(this.core.queues.engine, m));
      return this.ok(BATCH_RESPONSE_SCHEMA, {
        BatchID,
        Results: outcomes.map((outcome) => outcome.result),
        HaveErrors: outcomes.some((outcome) => outcome.publishFailed),
      });
    });
  }

  receive(request: IncomingMessage, body: Buffer): HttpReply | Promise<HttpReply> {
    return this.handle(request, body, RECEIVE_REQUEST_SCHEMA, async (receive) => {
      const { queues } = this.core;
      const response = await queues.runPending<ReceiveQueueMessagesResponse>((reply) =>
        receiveQueueMessages(queues.engine, receive, reply),
      );
      return response ? this.ok(RECEIVE_RESPONSE_SCHEMA, response) : this.stopped();
    });
  }

  ackAll(request: IncomingMessage, body: Buffer): HttpReply | Promise<HttpReply> {
    return this.handle(request, body, ACK_ALL_REQUEST_SCHEMA, async (ackAll) => {
      const { queues } = this.core;
      const response = await queues.runPending<AckAllQueueMessagesResponse>((reply) =>
        ackAllQueueMessages(queues.engine, ackAll, reply),
      );
      return response ? this.ok(ACK_ALL_RESPONSE_SCHEMA, response) : this.stopped();
    });
  }

  info(request: IncomingMessage, body: Buffer): HttpReply {
    return this.handle(request, body, INFO_REQUEST_SCHEMA, (info) =>
      this.ok(INFO_RESPONSE_SCHEMA, queuesInfo(this.core.queues.engine.store, info)),
    );
  }

  private handle<T, R extends HttpReply | Promise<HttpReply>>(
    request: IncomingMessage,
    body: Buffer,
    schema: WireSchema<T>,
    run: (message: T) => R,
  ): R | HttpReply {
    let message: T;
    try {
      message = bindBody(schema, request, body);
    } catch (error) {
      if (error instanceof BindError) return envelope(this.headers, 400, { error: error.message });
      throw error;
    }
    return run(message);
  }

  private ok<T>(schema: WireSchema<T>, data: T): HttpReply {
    return envelope(this.headers, 200, { data: encodeWire(schema, data) });
  }

  private stopped(): HttpReply {
    return envelope(this.headers, 400, { error: BROKER_STOPPED.details });
  }
}
