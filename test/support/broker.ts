import { KubeMQTestBroker } from '../../lib/testing';

/**
 * The broker a test talks to: the real one at KUBEMQ_ADDRESS when set,
 * otherwise a fresh in-process KubeMQTestBroker on a free port.
 */
export interface TestBrokerHandle {
  address: string;
  /** True when the tests run against an external (real) KubeMQ. */
  external: boolean;
  /** The in-process broker, when there is one. */
  broker?: KubeMQTestBroker;
  stop(): Promise<void>;
}

export const EXTERNAL_ADDRESS = process.env.KUBEMQ_ADDRESS?.trim() || undefined;

/**
 * Reason to skip a test of something only KubeMQTestBroker does (a real
 * KubeMQ Community server cannot), shown against KUBEMQ_ADDRESS; `what`
 * says what it is.
 */
export function inProcessOnly(what: string): string | false {
  return EXTERNAL_ADDRESS
    ? `${what}: KubeMQ Community cannot do this, skipped against KUBEMQ_ADDRESS=${EXTERNAL_ADDRESS}`
    : false;
}

export async function startTestBroker(): Promise<TestBrokerHandle> {
  if (EXTERNAL_ADDRESS) {
    return { address: EXTERNAL_ADDRESS, external: true, stop: async () => undefined };
  }
  const broker = await KubeMQTestBroker.start();
  return { address: broker.address, external: false, broker, stop: () => broker.stop() };
}

let counter = 0;
/** A channel name no other test (or earlier run on a shared real broker) uses. */
export function uniqueChannel(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}
