import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  Catch,
  Controller,
  Injectable,
  ParseIntPipe,
  UseFilters,
  UseGuards,
  UseInterceptors,
  type ArgumentsHost,
  type CallHandler,
  type CanActivate,
  type ExecutionContext,
  type INestMicroservice,
  type NestInterceptor,
} from '@nestjs/common';
import {
  BaseRpcExceptionFilter,
  MessagePattern,
  Payload,
  RpcException,
} from '@nestjs/microservices';
import { map, of, tap, throwError, type Observable } from 'rxjs';
import { NestFactory } from '@nestjs/core';
import { ServerKubeMQ, type ClientKubeMQ } from '../../lib';
import { startTestBroker, uniqueChannel, type TestBrokerHandle } from '../support/broker';
import { connectedClient, errorOf, firstReply, moduleWith } from '../support/nest';

/**
 * Every request runs through the whole of Nest's pipeline, whatever the
 * transport does to be fast: interceptors (around the handler, mapping its
 * result, or answering without it), exception filters, pipes, guards, in
 * Nest's order, on every request, with and without processing hooks.
 */

const ch = {
  intercepted: uniqueChannel('layers-intercepted'),
  cached: uniqueChannel('layers-cached'),
  filtered: uniqueChannel('layers-filtered'),
  ordered: uniqueChannel('layers-ordered'),
  global: uniqueChannel('layers-global'),
};

const trail: string[] = [];

@Injectable()
class WrapInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    trail.push('interceptor:before');
    return next.handle().pipe(
      map((value) => ({ wrapped: value })),
      tap(() => trail.push('interceptor:after')),
    );
  }
}

@Injectable()
class CacheInterceptor implements NestInterceptor {
  intercept(): Observable<unknown> {
    return of('from the cache');
  }
}

@Catch(RpcException)
class RenameFilter extends BaseRpcExceptionFilter {
  override catch(exception: RpcException, host: ArgumentsHost): Observable<never> {
    void host;
    return throwError(() => ({
      status: 'renamed',
      message: `filtered: ${String(exception.message)}`,
    }));
  }
}

@Injectable()
class RecordingGuard implements CanActivate {
  canActivate(): boolean {
    trail.push('guard');
    return true;
  }
}

@Injectable()
class GlobalInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const pattern = context.switchToRpc().getContext<{ getChannel(): string }>().getChannel();
    return next
      .handle()
      .pipe(map((value) => (pattern === ch.global ? `global(${String(value)})` : value)));
  }
}

let handled = 0;

@Controller()
class LayersController {
  @UseInterceptors(WrapInterceptor)
  @MessagePattern(ch.intercepted, { type: 'query' })
  intercepted(@Payload() data: Buffer): Buffer {
    trail.push('handler');
    handled += 1;
    return data;
  }

  @UseInterceptors(CacheInterceptor)
  @MessagePattern(ch.cached, { type: 'query' })
  cached(): string {
    handled += 1;
    return 'from the handler';
  }

  @UseFilters(RenameFilter)
  @MessagePattern(ch.filtered)
  filtered(): never {
    throw new RpcException('nope');
  }

  @UseGuards(RecordingGuard)
  @UseInterceptors(WrapInterceptor)
  @MessagePattern(ch.ordered, { type: 'query' })
  ordered(@Payload(ParseIntPipe) n: number): number {
    trail.push(`handler:${typeof n}`);
    return n * 2;
  }

  @MessagePattern(ch.global, { type: 'query' })
  global(@Payload() text: string): string {
    return text.toUpperCase();
  }
}

describe("Nest's request pipeline on every request (interceptors, filters, pipes, guards)", () => {
  let broker: TestBrokerHandle;
  let app: INestMicroservice;
  let client: ClientKubeMQ;

  before(async () => {
    broker = await startTestBroker();
    // Global interceptors are bound when the handlers are created: before listen().
    app = await NestFactory.createMicroservice(moduleWith({ controllers: [LayersController] }), {
      strategy: new ServerKubeMQ({ address: broker.address }),
      logger: false,
    });
    app.useGlobalInterceptors(new GlobalInterceptor());
    await app.listen();
    client = await connectedClient({ address: broker.address });
  });

  after(async () => {
    client?.close();
    await app?.close();
    await broker?.stop();
  });

  it('an interceptor wraps the handler and maps its result, on every request', async () => {
    const body = Buffer.from('bytes through an interceptor');
    trail.length = 0;
    const first = (await firstReply(() => client.query(ch.intercepted, body))) as {
      wrapped: { type: string; data: number[] };
    };
    // The interceptor's object goes as JSON: the Buffer inside it as Buffer.toJSON() gives it.
    assert.deepEqual(first, { wrapped: body.toJSON() });
    for (let i = 0; i < 5; i += 1) await firstReply(() => client.query(ch.intercepted, body));
    assert.deepEqual(
      trail.filter((step) => step === 'interceptor:before').length,
      6,
      'before the handler, each time',
    );
    assert.deepEqual(trail.slice(0, 3), ['interceptor:before', 'handler', 'interceptor:after']);
  });

  it('an interceptor can answer without the handler', async () => {
    const before = handled;
    assert.equal(await firstReply(() => client.query(ch.cached, 'x')), 'from the cache');
    assert.equal(handled, before, 'the handler did not run');
  });

  it("an exception filter's answer is what the caller gets", async () => {
    const error = await errorOf(client.send(ch.filtered, { any: 'thing' }));
    assert.deepEqual(error, { status: 'renamed', message: 'filtered: nope' });
  });

  it('guard, interceptor, pipe, handler, in Nest order; a failing pipe stops the handler', async () => {
    trail.length = 0;
    assert.deepEqual(await firstReply(() => client.query(ch.ordered, '21')), { wrapped: 42 });
    assert.deepEqual(trail, ['guard', 'interceptor:before', 'handler:number', 'interceptor:after']);
    trail.length = 0;
    // ParseIntPipe throws an HttpException, which Nest's RPC filter hides as an internal error.
    const bad = (await errorOf(client.query(ch.ordered, 'not a number'))) as { message: string };
    assert.equal(bad.message, 'Internal server error');
    assert.deepEqual(
      trail,
      ['guard', 'interceptor:before'],
      'the pipe stopped it before the handler',
    );
  });

  it('a global interceptor runs too', async () => {
    assert.equal(await firstReply(() => client.query(ch.global, 'abc')), 'global(ABC)');
  });
});
