/**
 * `nestjs-kubemq/health`: a `@nestjs/terminus` health indicator for KubeMQ.
 * A separate entry point, so that apps without `@nestjs/terminus` never load it.
 *
 * @packageDocumentation
 */
export {
  KubeMQHealthIndicator,
  type KubeMQHealthTarget,
  type KubeMQPingCheckOptions,
} from './kubemq.health-indicator';
