import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { KubeMQContext } from 'nestjs-kubemq';
import { say } from './say';

export const HELLO_COMMAND = 'hello-command';
export const HELLO_QUERY = 'hello-query';
export const HELLO_EVENT = 'hello-event';

/** How a received body is shown: strings as they are, anything else as JSON. */
function show(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

/** The KubeMQ side of the sample: what `kubetools rpc rec command "hello-command"` would do. */
@Controller()
export class HelloController {
  /**
   * Every command sent to `hello-command`, by anyone (this app, curl on the
   * REST API, the CLI, another SDK). Returning answers it with Executed: true;
   * throwing an RpcException would answer Executed: false with its message.
   */
  @MessagePattern(HELLO_COMMAND)
  hello(@Payload() body: unknown, @Ctx() ctx: KubeMQContext): void {
    say(
      `[${HELLO_COMMAND}] received: id=${ctx.getRequestId()}, channel=${ctx.getChannel()}, ` +
        `from=${ctx.getClientId()}, metadata=${show(ctx.getMetadata())}, body=${show(body)}`,
    );
  }

  /** A query answers with a body: here a greeting for whatever was sent. */
  @MessagePattern(HELLO_QUERY, { type: 'query' })
  greet(@Payload() name: unknown, @Ctx() ctx: KubeMQContext): { greeting: string; from: string } {
    const who = typeof name === 'string' && name !== '' ? name : show(name);
    say(
      `[${HELLO_QUERY}] received: id=${ctx.getRequestId()}, from=${ctx.getClientId()}, body=${show(name)}`,
    );
    return { greeting: `Hello, ${who}!`, from: 'nestjs-kubemq sample' };
  }

  /** Events are fire-and-forget: nobody waits for an answer. */
  @EventPattern(HELLO_EVENT)
  heard(@Payload() body: unknown, @Ctx() ctx: KubeMQContext): void {
    say(`[${HELLO_EVENT}] received: channel=${ctx.getChannel()}, body=${show(body)}`);
  }
}
