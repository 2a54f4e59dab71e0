import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  Controller,
  Injectable,
  UseGuards,
  UsePipes,
  ValidationPipe,
  type CanActivate,
  type ExecutionContext,
  type INestMicroservice,
} from '@nestjs/common';
import { MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import { IsInt, IsString, Min } from 'class-validator';
import { ClientKubeMQ, KubeMQContext, KubeMQError, KubeMQRecordBuilder } from '../../lib';
import { startTestBroker, uniqueChannel, type TestBrokerHandle } from '../support/broker';
import {
  connectedClient,
  errorOf,
  firstReply,
  moduleWith,
  startMicroservice,
} from '../support/nest';

// Commands and queries through the Nest pipeline: pipes and guards, exceptions as the caller
// sees them, and requests refused before or after they are sent.

const ch = {
  hello: uniqueChannel('hello-command'),
  validated: uniqueChannel('validated'),
  guarded: uniqueChannel('guarded'),
  rpcString: uniqueChannel('rpc-string'),
  rpcObject: uniqueChannel('rpc-object'),
  thrown: uniqueChannel('thrown'),
  circular: uniqueChannel('q-circular'),
};

class CreateUser {
  @IsString()
  name!: string;

  @IsInt()
  @Min(0)
  age!: number;
}

@Injectable()
class TenantGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const ctx = context.switchToRpc().getContext<KubeMQContext>();
    return ctx.getTags().tenant === 'allowed';
  }
}

@Controller()
class RpcController {
  // The target of the refused sends below: there is a handler, so only the refusal can fail them.
  @MessagePattern(ch.hello)
  hello(): void {}

  @MessagePattern(ch.validated, { type: 'query' })
  @UsePipes(
    new ValidationPipe({
      transform: true,
      exceptionFactory: (errors) =>
        new RpcException({ status: 'invalid', fields: errors.map((e) => e.property) }),
    }),
  )
  create(@Payload() user: CreateUser) {
    return { created: user.name, isDto: user instanceof CreateUser };
  }

  @MessagePattern(ch.guarded, { type: 'query' })
  @UseGuards(TenantGuard)
  guarded() {
    return 'secret';
  }

  @MessagePattern(ch.rpcString)
  rpcString(): never {
    throw new RpcException('user not found');
  }

  @MessagePattern(ch.rpcObject)
  rpcObject(): never {
    throw new RpcException({ code: 'E_CONFLICT', message: 'already exists', details: { id: 7 } });
  }

  @MessagePattern(ch.thrown, { type: 'query' })
  thrown(): never {
    throw new Error('database password is hunter2');
  }

  @MessagePattern(ch.circular, { type: 'query' })
  circular() {
    const node: Record<string, unknown> = { name: 'loop' };
    node.self = node;
    return node;
  }
}

describe('commands and queries through the Nest pipeline: pipes, guards and errors', () => {
  let broker: TestBrokerHandle;
  let app: INestMicroservice;
  let client: ClientKubeMQ;

  before(async () => {
    broker = await startTestBroker();
    ({ app } = await startMicroservice(
      moduleWith({ controllers: [RpcController], providers: [TenantGuard] }),
      {
        address: broker.address,
        clientId: 'rpc-errors-server',
      },
    ));
    client = await connectedClient({ address: broker.address, clientId: 'rpc-errors-client' });
  });

  after(async () => {
    client?.close();
    await app?.close();
    await broker?.stop();
  });

  it('runs the ValidationPipe: good input reaches the handler as a DTO, bad input is rejected', async () => {
    const ok = await firstReply(() => client.query(ch.validated, { name: 'Ada', age: 36 }));
    assert.deepEqual(ok, { created: 'Ada', isDto: true });
    const error = await errorOf(client.query(ch.validated, { name: 7, age: -1 }));
    assert.deepEqual(error, { status: 'invalid', fields: ['name', 'age'] });
  });

  it('runs guards: a request the guard refuses gets "Forbidden resource"', async () => {
    const allowed = new KubeMQRecordBuilder({})
      .setType('query')
      .setTags({ tenant: 'allowed' })
      .build();
    assert.equal(await firstReply(() => client.send(ch.guarded, allowed)), 'secret');
    const denied = new KubeMQRecordBuilder({})
      .setType('query')
      .setTags({ tenant: 'other' })
      .build();
    assert.deepEqual(await errorOf(client.send(ch.guarded, denied)), {
      status: 'error',
      message: 'Forbidden resource',
    });
  });

  it('delivers RpcException(string) as { status, message }', async () => {
    assert.deepEqual(await errorOf(client.send(ch.rpcString, {})), {
      status: 'error',
      message: 'user not found',
    });
  });

  it('delivers RpcException(object) unchanged', async () => {
    assert.deepEqual(await errorOf(client.send(ch.rpcObject, {})), {
      code: 'E_CONFLICT',
      message: 'already exists',
      details: { id: 7 },
    });
  });

  it('hides a thrown Error behind "Internal server error"', async () => {
    const error = await errorOf(client.query(ch.thrown, {}));
    assert.deepEqual(error, { status: 'error', message: 'Internal server error' });
  });

  it('answers "Internal server error" when a result cannot be serialized, instead of leaving the caller waiting', async () => {
    const error = await errorOf(client.query(ch.circular, {}));
    assert.deepEqual(error, { status: 'error', message: 'Internal server error' });
  });

  it('refuses a payload that cannot be serialized, naming the channel', async () => {
    const payload: Record<string, unknown> = {};
    payload.self = payload;
    const error = await errorOf(client.send(ch.hello, payload));
    assert.ok(error instanceof KubeMQError);
    assert.match(
      error.message,
      new RegExp(`Cannot send the command to "${ch.hello}": value cannot be sent as JSON`),
    );
    const big = await errorOf(client.emit(ch.hello, { n: 1n }));
    assert.match((big as Error).message, /Cannot send the event to .*BigInt/);
  });

  it('fails with a timeout that names the channel and the wait when nobody answers', async () => {
    const channel = uniqueChannel('nobody-listens');
    const record = new KubeMQRecordBuilder({ x: 1 }).setTimeout(400).build();
    const error = await errorOf(client.send(channel, record));
    assert.ok(error instanceof KubeMQError);
    assert.equal(error.isTimeout, true);
    assert.match(error.message, new RegExp(`"${channel}"`));
    assert.match(error.message, /400 ms/);
    assert.match(error.message, /Error 301: timeout for request message/);
  });

  it("refuses a channel KubeMQ would refuse, with KubeMQ's text, before sending", async () => {
    const error = await errorOf(client.send('has space', {}));
    assert.ok(error instanceof KubeMQError);
    assert.match(error.message, /"has space"/);
    assert.match(error.message, /Error 108: invalid channel value, no white spaces are allowed/);
    const wildcard = await errorOf(client.send('orders.*', {}));
    assert.match((wildcard as Error).message, /Error 107/);
  });

  it('rejects nil data and bad timeouts with clear errors', async () => {
    const nil = await errorOf(client.send(ch.hello, undefined));
    assert.match(String((nil as Error).message ?? nil), /invalid message|data/i);
    const badTimeout = await errorOf(
      client.send(ch.hello, new KubeMQRecordBuilder({}).setTimeout(-5).build()),
    );
    assert.match((badTimeout as Error).message, /Invalid timeout -5/);
  });
});
