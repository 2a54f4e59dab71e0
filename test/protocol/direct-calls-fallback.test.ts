import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  Client,
  credentials,
  Metadata,
  status,
  type ChannelInterface,
  type ServiceError,
} from '@grpc/grpc-js';
import { KubeMQConnection } from '../../lib';
import { CallOpener } from '../../lib/kubemq/call-opener';
import { DeadlineGuard } from '../../lib/kubemq/deadline-guard';
import {
  DIRECT_CALLS_GRPC_JS,
  DirectCalls,
  directCallsTestedWith,
  type SubchannelCall,
} from '../../lib/kubemq/direct-calls';
import { type PingResult } from '../../lib/kubemq/messages';
import { prepareMethods } from '../../lib/kubemq/methods';
import { startUnaryCall } from '../../lib/kubemq/unary-call';
import { startTestBroker, type TestBrokerHandle } from '../support/broker';

const INSTALLED = (
  JSON.parse(
    readFileSync(join(require.resolve('@grpc/grpc-js'), '../../../package.json'), 'utf8'),
  ) as { version: string }
).version;

/** grpc-js's internal channel, as direct-calls reads it. */
interface Internals {
  currentPicker: { pick(args: unknown): { subchannel: { getRealSubchannel(): unknown } | null } };
  [member: string]: unknown;
}

function internalsOf(channel: ChannelInterface): Internals {
  return (channel as unknown as { internalChannel: Internals }).internalChannel;
}

/**
 * A channel whose internals look like grpc-js's but for `change`, which
 * rewrites what a direct call meets (the picker, the subchannel, its calls).
 * The real channel underneath still serves the channel's own path.
 */
function changedInternals(
  channel: ChannelInterface,
  change: {
    createCall?: (real: (...args: unknown[]) => SubchannelCall, args: unknown[]) => unknown;
    pick?: () => unknown;
    onCallStart?: () => void;
  },
): ChannelInterface {
  const real = internalsOf(channel);
  let wrapped: object | undefined;
  const picker = {
    pick(args: unknown) {
      if (change.pick) return change.pick();
      const pick = real.currentPicker.pick(args);
      const subchannel = pick.subchannel?.getRealSubchannel() as
        | { createCall(...args: unknown[]): SubchannelCall; getConnectivityState(): unknown }
        | undefined;
      if (!subchannel || !change.createCall) return pick;
      // One wrapper per subchannel: direct-calls checks that two picks agree.
      wrapped ??= {
        getConnectivityState: () => subchannel.getConnectivityState(),
        createCall: (...args: unknown[]) =>
          change.createCall!((...a: unknown[]) => subchannel.createCall(...a), args),
      };
      const same = wrapped;
      return { ...pick, subchannel: { getRealSubchannel: () => same } };
    },
  };
  const internal = {
    currentPicker: picker,
    defaultAuthority: real.defaultAuthority,
    onCallStart: change.onCallStart ?? (() => (real.onCallStart as () => void).call(real)),
    onCallEnd: (s: unknown) => (real.onCallEnd as (s: unknown) => void).call(real, s),
  };
  return { internalChannel: internal } as unknown as ChannelInterface;
}

/** Counts the calls made through the channel's own call stack (createCall). */
function countChannelCalls(channel: ChannelInterface): { count: number } {
  const counter = { count: 0 };
  const createCall = channel.createCall.bind(channel);
  channel.createCall = (...args: Parameters<ChannelInterface['createCall']>) => {
    counter.count += 1;
    return createCall(...args);
  };
  return counter;
}

describe('direct calls fall back to the channel when grpc-js is not as expected', () => {
  let broker: TestBrokerHandle;
  let client: Client;
  let channel: ChannelInterface;

  before(async () => {
    broker = await startTestBroker();
    client = new Client(broker.address, credentials.createInsecure());
    channel = client.getChannel();
    await new Promise<void>((resolve, reject) =>
      client.waitForReady(Date.now() + 5_000, (error) => (error ? reject(error) : resolve())),
    );
  });

  after(async () => {
    client?.close();
    await broker?.stop();
  });

  /** A Ping through a CallOpener on `channel` with `direct`; resolves or rejects like a call. */
  async function ping(direct: DirectCalls | undefined, timeoutMs = 5_000): Promise<PingResult> {
    const opener = new CallOpener(channel, new Metadata(), direct, 1_000_000);
    const guard = new DeadlineGuard();
    try {
      return await new Promise<PingResult>((resolve, reject) =>
        startUnaryCall(
          opener,
          guard,
          prepareMethods().Ping,
          {},
          Date.now() + timeoutMs,
          (error, result) => (error ? reject(error) : resolve(result as PingResult)),
        ),
      );
    } finally {
      guard.close();
    }
  }

  it("are used only with the grpc-js releases package.json's range allows (the tested ones)", () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    assert.equal(
      pkg.dependencies['@grpc/grpc-js'],
      `>=${DIRECT_CALLS_GRPC_JS.from} <${DIRECT_CALLS_GRPC_JS.below}`,
    );
    assert.ok(directCallsTestedWith(INSTALLED), `installed grpc-js ${INSTALLED} is in the range`);
    assert.ok(directCallsTestedWith(DIRECT_CALLS_GRPC_JS.from));
    assert.ok(!directCallsTestedWith(DIRECT_CALLS_GRPC_JS.below));
    assert.ok(!directCallsTestedWith('1.12.7'));
    assert.ok(!directCallsTestedWith('2.0.0'));
    assert.ok(!directCallsTestedWith('1.14.0-pre1'));
    assert.ok(!directCallsTestedWith(undefined));
  });

  it('another grpc-js release, or a channel without the internals: no direct calls, calls work', async () => {
    assert.equal(DirectCalls.for(channel, DIRECT_CALLS_GRPC_JS.below), undefined);
    assert.equal(DirectCalls.for(channel, 'not a version'), undefined);
    const bare = { getConnectivityState: () => 2 } as unknown as ChannelInterface;
    assert.equal(DirectCalls.for(bare, INSTALLED), undefined);
    const missing = { internalChannel: { currentPicker: {} } } as unknown as ChannelInterface;
    assert.equal(DirectCalls.for(missing, INSTALLED), undefined);
    const calls = countChannelCalls(channel);
    assert.equal(typeof (await ping(undefined)).Host, 'string');
    assert.equal(calls.count, 1, 'the Ping took the channel');
  });

  const changes: Array<[string, Parameters<typeof changedInternals>[1]]> = [
    [
      'a picker that throws',
      {
        pick: () => {
          throw new TypeError('pick is not a function');
        },
      },
    ],
    ['a pick of another shape', { pick: () => ({ pickResultType: 0, subchannel: {} }) }],
    [
      "a subchannel's createCall that throws a TypeError",
      {
        createCall: () => {
          throw new TypeError('listener.onReceiveStatus is not a function');
        },
      },
    ],
    ["a subchannel's createCall that returns something else", { createCall: () => ({}) }],
    [
      'onCallStart that throws',
      {
        onCallStart: () => {
          throw new TypeError('this.callCount is undefined');
        },
      },
    ],
    [
      'a subchannel call whose sendMessageWithContext throws (the message goes on the channel)',
      {
        createCall: (real, args) => {
          const call = real(...args);
          call.sendMessageWithContext = () => {
            throw new TypeError('context.callback is not a function');
          };
          return call;
        },
      },
    ],
    [
      'a subchannel call whose halfClose throws (the call goes on the channel)',
      {
        createCall: (real, args) => {
          const call = real(...args);
          call.halfClose = () => {
            throw new Error('halfClose changed');
          };
          return call;
        },
      },
    ],
  ];

  for (const [what, change] of changes) {
    it(`${what}: this call and every later one take the channel, and work`, async () => {
      const direct = DirectCalls.for(changedInternals(channel, change), INSTALLED);
      assert.ok(direct, 'the members are there, so direct calls start out allowed');
      const calls = countChannelCalls(channel);
      assert.equal(typeof (await ping(direct)).Host, 'string');
      assert.equal(direct.usable, false, 'direct calls are off');
      assert.equal(typeof (await ping(direct)).Host, 'string');
      assert.equal(calls.count, 2, 'both Pings took the channel');
    });
  }

  it('unchanged internals: the Ping goes direct (the control for the cases above)', async () => {
    const direct = DirectCalls.for(changedInternals(channel, {}), INSTALLED);
    const calls = countChannelCalls(channel);
    assert.equal(typeof (await ping(direct!)).Host, 'string');
    assert.equal(direct!.usable, true);
    assert.equal(calls.count, 0);
  });

  it('a subchannel call that never reports anything does not hang the caller: the deadline ends it', async () => {
    const silent: SubchannelCall = {
      sendMessageWithContext: () => undefined,
      startRead: () => undefined,
      halfClose: () => undefined,
      cancelWithStatus: () => undefined,
    };
    const direct = DirectCalls.for(
      changedInternals(channel, { createCall: () => silent }),
      INSTALLED,
    );
    // Nothing of this fake call holds the event loop (a real one's HTTP/2 stream does); an app would.
    const app = setInterval(() => undefined, 1_000);
    try {
      const error = (await ping(direct, 300).then(
        () => assert.fail('nothing answers'),
        (e: unknown) => e,
      )) as ServiceError;
      assert.equal(error.code, status.DEADLINE_EXCEEDED);
    } finally {
      clearInterval(app);
    }
  });

  it('a KubeMQConnection on the fallback path answers as on the direct one', async () => {
    const connection = new KubeMQConnection({
      address: broker.address,
      clientId: 'fallback-conn',
      // A service config asks for the channel's layers: every call takes the channel.
      channelOptions: { 'grpc.service_config': '{}' },
    });
    try {
      const calls = countChannelCalls(
        (connection as unknown as { channel: ChannelInterface }).channel,
      );
      const pong = await connection.connect();
      assert.equal(typeof pong.Host, 'string');
      assert.ok(calls.count >= 1);
    } finally {
      connection.close();
    }
  });
});
