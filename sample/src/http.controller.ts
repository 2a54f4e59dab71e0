import {
  Body,
  Controller,
  Get,
  HttpException,
  HttpStatus,
  Inject,
  Param,
  Post,
} from '@nestjs/common';
import { firstValueFrom } from 'rxjs';
import { ClientKubeMQ, KubeMQError, type KubeMQCommandResponse } from 'nestjs-kubemq';
import { HELLO_COMMAND, HELLO_QUERY } from './hello.controller';

/** The injection token of the sample's ClientKubeMQ. */
export const KUBEMQ_CLIENT = 'KUBEMQ_CLIENT';

/** A failed send as an HTTP error: 504 on a timeout, 400 for a refused message, 502 otherwise. */
function asHttpError(channel: string, error: unknown): HttpException {
  if (error instanceof KubeMQError) {
    const status = error.isTimeout
      ? HttpStatus.GATEWAY_TIMEOUT
      : error.kubemqCode !== undefined && error.kubemqCode < 300
        ? HttpStatus.BAD_REQUEST
        : HttpStatus.BAD_GATEWAY;
    return new HttpException({ channel, error: error.message }, status);
  }
  // What the responder answered with Executed: false (for a Nest responder, its error object).
  const message =
    typeof error === 'object' && error !== null && 'message' in error
      ? String((error as { message: unknown }).message)
      : String(error);
  return new HttpException({ channel, error: message, executed: false }, HttpStatus.BAD_GATEWAY);
}

/** The HTTP side of the sample: each endpoint sends through the injected ClientKubeMQ. */
@Controller()
export class HttpController {
  constructor(@Inject(KUBEMQ_CLIENT) private readonly client: ClientKubeMQ) {}

  @Get()
  index() {
    return {
      name: 'nestjs-kubemq sample',
      endpoints: {
        'POST /hello': `send a command to "${HELLO_COMMAND}" ({"message": "..."} optional)`,
        'GET /hello/:name': `send a query to "${HELLO_QUERY}"`,
        'POST /commands/:channel': 'send the JSON body as a command to any channel',
        'POST /queries/:channel': 'send the JSON body as a query to any channel',
        'POST /events/:channel': 'publish the JSON body as an event',
      },
    };
  }

  @Post('hello')
  async hello(@Body() body: { message?: unknown } | undefined) {
    const message = body?.message ?? 'Hello from the sample HTTP endpoint';
    return this.command(HELLO_COMMAND, message);
  }

  @Get('hello/:name')
  async greet(@Param('name') name: string) {
    return this.query(HELLO_QUERY, name);
  }

  @Post('commands/:channel')
  async sendCommand(@Param('channel') channel: string, @Body() body: unknown) {
    return this.command(channel, body ?? {});
  }

  @Post('queries/:channel')
  async sendQuery(@Param('channel') channel: string, @Body() body: unknown) {
    return this.query(channel, body ?? {});
  }

  @Post('events/:channel')
  async sendEvent(@Param('channel') channel: string, @Body() body: unknown) {
    try {
      await firstValueFrom(this.client.emit(channel, body ?? {}), { defaultValue: undefined });
    } catch (error) {
      throw asHttpError(channel, error);
    }
    return { channel, sent: body ?? {}, published: true };
  }

  private async command(channel: string, payload: unknown) {
    try {
      const response: KubeMQCommandResponse = await firstValueFrom(
        this.client.command(channel, payload),
      );
      return { channel, sent: payload, response };
    } catch (error) {
      throw asHttpError(channel, error);
    }
  }

  private async query(channel: string, payload: unknown) {
    try {
      const answer = await firstValueFrom(this.client.query(channel, payload));
      return { channel, sent: payload, answer };
    } catch (error) {
      throw asHttpError(channel, error);
    }
  }
}
