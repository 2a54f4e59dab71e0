import { Controller, Get, Inject } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { ClientKubeMQ } from 'nestjs-kubemq';
import { KubeMQHealthIndicator } from 'nestjs-kubemq/health';
import { KUBEMQ_CLIENT } from './http.controller';

/** The query channel the readiness check round-trips through the sample's own handler. */
export const HEALTH_QUERY = 'nestjs-kubemq-sample.health';

/**
 * Health endpoints for Kubernetes: `/health/live` answers while the process
 * serves HTTP (liveness); `/health/kubemq` answers 200 only while KubeMQ
 * answers a ping through the app's own client and the sample's own query
 * handler answers a query (readiness), else 503 with the reason.
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly kubemq: KubeMQHealthIndicator,
    @Inject(KUBEMQ_CLIENT) private readonly client: ClientKubeMQ,
  ) {}

  @Get('live')
  live() {
    return { status: 'ok' };
  }

  @Get('kubemq')
  @HealthCheck()
  check() {
    return this.health.check([
      () =>
        this.kubemq.pingCheck('kubemq', {
          target: this.client,
          query: { channel: HEALTH_QUERY },
        }),
    ]);
  }

  /** Answers the readiness query (quietly: probes call it every few seconds). */
  @MessagePattern(HEALTH_QUERY, { type: 'query' })
  pong() {
    return 'ok';
  }
}
