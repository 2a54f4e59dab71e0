/**
 * `nestjs-kubemq/testing`: an in-process, KubeMQ-compatible broker for tests.
 *
 * @packageDocumentation
 */
export {
  KubeMQTestBroker,
  TEST_BROKER_VERSION,
  type KubeMQTestBrokerOptions,
} from '../broker/kubemq-test-broker';
export { BrokerListenError, type BrokerFace } from '../broker/listen-error';
export { KubeMQBrokerStore } from '../broker/broker-store';
export type { KubeMQTestBrokerTlsOptions } from '../broker/broker-tls';
