// The slow and quick query handlers the lifecycle suites stop and restart brokers under
// (lifecycle-connect-close, lifecycle-broker-outage).
import 'reflect-metadata';
import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { uniqueChannel } from './broker';
import { delay } from './nest';

export const slowChannel = uniqueChannel('slow-query');
export const quickChannel = uniqueChannel('quick-query');
let slowStarted: () => void = () => undefined;

/** Resolves when the slow handler next starts: a test closes things while it runs. */
export function nextSlowStart(): Promise<void> {
  return new Promise<void>((resolve) => (slowStarted = resolve));
}

@Controller()
export class SlowController {
  @MessagePattern(slowChannel, { type: 'query' })
  async slow(@Payload() data: { ms: number }) {
    slowStarted();
    await delay(data.ms);
    return { sleptMs: data.ms };
  }

  @MessagePattern(quickChannel, { type: 'query' })
  quick() {
    return 'quick';
  }
}
