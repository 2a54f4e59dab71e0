/**
 * nestjs-kubemq: a NestJS microservice transport for KubeMQ.
 * The in-process broker for tests lives in 'nestjs-kubemq/testing'.
 */
export { ServerKubeMQ } from './server/server-kubemq';
export type { KubeMQServerOptions, KubeMQHandlerExtras } from './server/server-kubemq.options';
export { ClientKubeMQ, type KubeMQCallOptions } from './client/client-kubemq';
export type { KubeMQStoredEvent, KubeMQStoreOptions } from './client/events-store/store-events';
export type { EventsStoreStart } from './kubemq/events-store/start-position';
export { subscriberClientId } from './kubemq/events-store/subscriber-id';
export type { KubeMQClientOptions, KubeMQCommandResponse } from './client/client-kubemq.options';
export { KubeMQContext } from './ctx-host/kubemq.context';
export type { KubeMQMessageInfo, KubeMQMessageType } from './ctx-host/message-info';
export {
  KubeMQRecord,
  KubeMQRecordBuilder,
  type KubeMQRecordOptions,
  type KubeMQRequestKind,
  type KubeMQEmissionKind,
  type KubeMQRecordType,
} from './record-builders/kubemq.record-builder';
export { KUBEMQ_TRANSPORT, KubeMQStatus, type KubeMQEvents } from './constants';
export { KubeMQConnection } from './kubemq/connection';
export type { KubeMQConnectionOptions } from './kubemq/connection-options';
export type { KubeMQTlsOptions } from './kubemq/tls';
export { KubeMQError } from './kubemq/kubemq-error';
export { KubeMQErrorText } from './kubemq/errors';
export {
  channelError,
  sendChannelError,
  subscribeChannelError,
  channelMatches,
} from './kubemq/channel-rules';
export type {
  KubeMQRequest,
  KubeMQResponse,
  KubeMQEvent,
  KubeMQEventReceive,
  KubeMQSubscribe,
  KubeMQResult,
  PingResult,
  Tags,
} from './kubemq/messages';
export {
  RequestType,
  SubscribeType,
  EventsStoreType,
  makeRequest,
  makeResponse,
  makeEvent,
  makeSubscribe,
} from './kubemq/messages';
export * from './kubemq/queues/queue-messages';
export {
  kubemqServiceDefinition,
  KUBEMQ_MAX_MESSAGE_BYTES,
  KUBEMQ_SERVICE_NAME,
  type KubeMQMethodName,
} from './kubemq/proto';
export { BODY_FORMAT_TAG, encodeBody, decodeBody, type BodyFormat } from './serializers/body-codec';
export type {
  KubeMQSerializer,
  KubeMQDeserializer,
  KubeMQSerializeOptions,
  KubeMQDeserializeOptions,
  KubeMQSerializationOptions,
  KubeMQBodyKind,
} from './serializers/kubemq-serializer';
export { ERROR_TAG } from './errors/wire-error';
export type { KubeMQQueuePolicy } from './record-builders/queue-policy';
export type { KubeMQQueueMessageInfo, KubeMQQueueSettlement } from './ctx-host/queue-settlement';
export type {
  KubeMQQueueSendOptions,
  KubeMQQueueSendResult,
  KubeMQQueuePullOptions,
  KubeMQQueueMessage,
} from './client/queues/queue-types';
export { KubeMQQueueBatchError, type KubeMQQueueRefusal } from './client/queues/queue-batch-error';
export { KubeMQQueuePullError } from './client/queues/queue-pull-error';
export {
  QueuePattern,
  type KubeMQQueueHandlerOptions,
} from './server/queues/queue-pattern.decorator';
export {
  QueueTransaction,
  type QueueTransactionOptions,
  type QueueEmptyReason,
} from './kubemq/queues/queue-transaction';
