import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type KubeMQConnection } from '../../lib/kubemq/connection';
import {
  StoredEventsReader,
  type StoredEventsHandlers,
} from '../../lib/kubemq/events-store/stored-events-reader';
import { KubeMQError } from '../../lib/kubemq/kubemq-error';
import {
  EventsStoreType,
  type KubeMQEventReceive,
  type KubeMQSubscribe,
} from '../../lib/kubemq/messages';
import { type StreamSubscriptionHandlers } from '../../lib/kubemq/stream-subscription';

/** A StreamSubscription stand-in: the test delivers, drops and re-opens by hand. */
class FakeStream {
  cancelled = false;
  requests: KubeMQSubscribe[] = [];

  constructor(
    private readonly connection: FakeConnection,
    private readonly open: () => unknown,
    readonly handlers: StreamSubscriptionHandlers<KubeMQEventReceive>,
  ) {
    this.reopen();
  }

  get request(): KubeMQSubscribe {
    return this.requests[this.requests.length - 1];
  }

  get isFill(): boolean {
    return this.request.ClientID !== 'sub-1';
  }

  send(...sequences: number[]): void {
    for (const sequence of sequences) {
      if (this.cancelled) return;
      this.handlers.onMessage(event(sequence));
    }
  }

  /** The broker dropped the stream; StreamSubscription opens it again. */
  drop(details = 'Connection dropped'): void {
    this.handlers.onDisconnect?.(new KubeMQError(details, 13), 100);
    this.reopen();
  }

  oversized(): void {
    this.handlers.onOversized?.(new KubeMQError('received message larger than max', 8));
    this.reopen();
  }

  cancel(): void {
    this.cancelled = true;
  }

  private reopen(): void {
    // Opening the live stream may open a fill first (nested): restore after.
    const outer = this.connection.opening;
    this.connection.opening = this;
    this.open();
    this.connection.opening = outer;
  }
}

class FakeConnection {
  readonly streams: FakeStream[] = [];
  opening: FakeStream | undefined;

  subscribe(open: () => unknown, handlers: StreamSubscriptionHandlers<KubeMQEventReceive>) {
    const stream = new FakeStream(this, open, handlers);
    this.streams.push(stream);
    return stream;
  }

  openServerStream(_method: string, request: KubeMQSubscribe) {
    this.opening!.requests.push(request);
    return {};
  }

  /** The open live (durable) stream. */
  get live(): FakeStream {
    return this.open().find((s) => !s.isFill)!;
  }

  /** The open gap fill, if any. */
  get fill(): FakeStream | undefined {
    return this.open().find((s) => s.isFill);
  }

  open(): FakeStream[] {
    return this.streams.filter((s) => !s.cancelled);
  }
}

function event(
  sequence: number,
  timestampNs = BigInt(sequence) * 1_000_000_000n,
): KubeMQEventReceive {
  return {
    EventID: `e${sequence}`,
    Channel: 'orders',
    Metadata: '',
    Body: Buffer.from(String(sequence)),
    Timestamp: String(timestampNs),
    Sequence: String(sequence),
    Tags: {},
  };
}

function setup(group = '', start?: ConstructorParameters<typeof StoredEventsReader>[1]['start']) {
  const connection = new FakeConnection();
  const delivered: number[] = [];
  const notices: string[] = [];
  const reports: string[] = [];
  const handlers: StoredEventsHandlers = {
    onEvent: (e) => delivered.push(Number(e.Sequence)),
    onError: (error) => reports.push(`error ${error.message}`),
    onDisconnect: () => reports.push('disconnect'),
    onReconnect: () => reports.push('reconnect'),
    onNotice: (level, message) => notices.push(`${level} ${message}`),
    onOversized: (_error, sequence) => reports.push(`oversized ${sequence}`),
  };
  const reader = new StoredEventsReader(
    connection as unknown as KubeMQConnection,
    { channel: 'orders', group, clientId: 'sub-1', start, maxHeld: 3 },
    handlers,
  );
  reader.start();
  return { connection, reader, delivered, notices, reports };
}

describe('StoredEventsReader: each stored event once, in order, across re-subscriptions', () => {
  it('hands on events in order and skips what the broker sends again', () => {
    const { connection, delivered } = setup('', 'first');
    assert.equal(connection.live.request.EventsStoreTypeData, EventsStoreType.StartFromFirst);
    connection.live.send(1, 2, 3, 2, 3, 4);
    assert.deepEqual(delivered, [1, 2, 3, 4]);
    assert.equal(connection.fill, undefined);
  });

  it('fills a jump in sequence through a throwaway ClientID, holding what came after it', () => {
    const { connection, delivered, notices } = setup();
    connection.live.send(1, 2, 5, 6);
    assert.deepEqual(delivered, [1, 2]);
    const fill = connection.fill!;
    assert.match(fill.request.ClientID, /^sub-1-fill-[0-9a-f]+$/);
    assert.equal(fill.request.EventsStoreTypeData, EventsStoreType.StartAtSequence);
    assert.equal(fill.request.EventsStoreTypeValue, '3');
    assert.match(notices[0], /resumed after sequence 4; reading 3-4 again/);
    fill.send(3, 4);
    assert.deepEqual(delivered, [1, 2, 3, 4, 5, 6]);
    assert.equal(connection.fill, undefined, 'the fill is cancelled once the gap is read');
    connection.live.send(7);
    assert.deepEqual(delivered, [1, 2, 3, 4, 5, 6, 7]);
  });

  it('after a dropped stream: resumes after the last sequence, and a catch-up fill ends when the live stream joins', () => {
    const { connection, delivered, reports } = setup();
    connection.live.send(1, 2, 3);
    connection.live.drop();
    assert.deepEqual(reports, ['disconnect']);
    assert.equal(connection.live.request.EventsStoreTypeData, EventsStoreType.StartAtSequence);
    assert.equal(connection.live.request.EventsStoreTypeValue, '4');
    assert.equal(connection.fill!.request.EventsStoreTypeValue, '4');
    connection.live.handlers.onReconnect?.();
    connection.live.send(3, 4);
    assert.deepEqual(delivered, [1, 2, 3, 4]);
    assert.equal(connection.fill, undefined);
    assert.deepEqual(reports, ['disconnect', 'reconnect']);
  });

  it('after a dropped stream: reads what the broker counted as delivered even if the live stream stays silent', () => {
    const { connection, delivered } = setup();
    connection.live.send(1, 2);
    connection.live.drop();
    connection.fill!.send(3, 4, 5);
    assert.deepEqual(delivered, [1, 2, 3, 4, 5]);
    connection.live.send(5, 6);
    assert.deepEqual(delivered, [1, 2, 3, 4, 5, 6]);
    assert.equal(connection.fill, undefined);
  });

  it('after a dropped stream: a live stream resuming further on sets the end of the fill', () => {
    const { connection, delivered } = setup();
    connection.live.send(1, 2);
    connection.live.drop();
    connection.live.send(6, 7);
    assert.deepEqual(delivered, [1, 2]);
    connection.fill!.send(3, 4, 5, 6);
    assert.deepEqual(delivered, [1, 2, 3, 4, 5, 6, 7]);
    assert.equal(connection.fill, undefined);
  });

  it('stops the live stream while too many events wait behind a gap, and opens it again after', () => {
    const { connection, delivered } = setup();
    connection.live.send(1, 5, 6, 7);
    assert.equal(connection.open().filter((s) => !s.isFill).length, 0, 'live paused at maxHeld');
    connection.fill!.send(2, 3, 4);
    assert.deepEqual(delivered, [1, 2, 3, 4, 5, 6, 7]);
    assert.ok(connection.live, 'live re-opened');
    assert.equal(connection.live.request.EventsStoreTypeValue, '8');
  });

  it('pause() closes the streams; resume() re-opens with a catch-up fill', () => {
    const { connection, reader, delivered } = setup();
    connection.live.send(1, 2);
    reader.pause();
    assert.equal(connection.open().length, 0);
    reader.resume();
    assert.equal(connection.fill!.request.EventsStoreTypeValue, '3');
    connection.fill!.send(3);
    connection.live.send(3, 4);
    assert.deepEqual(delivered, [1, 2, 3, 4]);
  });

  it('"clientID already registered": one notice, no outage reported, retried', () => {
    const { connection, notices, reports } = setup();
    connection.live.drop('stan: clientID already registered');
    connection.live.drop('stan: clientID already registered');
    assert.equal(
      notices.filter((n) => /still has a live subscription with ClientID sub-1/.test(n)).length,
      1,
    );
    assert.deepEqual(reports, []);
    assert.ok(connection.live, 'still trying');
  });

  it('a refusal from the store underneath (stan: invalid ...) is final', () => {
    const { connection, reports } = setup();
    connection.live.drop('stan: invalid subject');
    assert.deepEqual(reports, ['error stan: invalid subject']);
    assert.equal(connection.open().length, 0);
  });

  it('an oversized event met by a fill is skipped (once), not read forever', () => {
    const { connection, delivered, reports } = setup();
    connection.live.send(1, 2);
    connection.live.oversized();
    assert.deepEqual(reports, [], 'the live stream loses it: the catch-up fill meets it again');
    connection.fill!.oversized();
    assert.deepEqual(reports, ['oversized 3']);
    assert.equal(connection.fill!.request.EventsStoreTypeValue, '4');
    connection.fill!.send(4);
    connection.live.send(5);
    assert.deepEqual(delivered, [1, 2, 4, 5]);
  });

  it('stop() delivers a gap under way and what waits behind it, then resolves', async () => {
    const { connection, reader, delivered } = setup();
    connection.live.send(1, 4);
    let stopped = false;
    const done = reader.stop().then(() => (stopped = true));
    await Promise.resolve();
    assert.equal(stopped, false);
    connection.fill!.send(2, 3);
    await done;
    assert.deepEqual(delivered, [1, 2, 3, 4]);
    assert.equal(connection.open().length, 0);
  });

  it('stop() does not wait for a catch-up fill: nothing received waits behind it', async () => {
    const { connection, reader } = setup();
    connection.live.send(1);
    connection.live.drop();
    await reader.stop();
    assert.equal(connection.open().length, 0);
  });

  it('a grouped subscription skips copies only (other members take the other sequences)', () => {
    const { connection, delivered } = setup('workers');
    connection.live.send(1, 4, 9, 4);
    connection.live.drop();
    connection.live.send(9, 12);
    assert.deepEqual(delivered, [1, 4, 9, 12]);
    assert.equal(connection.fill, undefined);
    assert.equal(connection.live.request.Group, 'workers');
  });

  it('{ time }: asks a second earlier and drops what the broker sends from before the time', () => {
    const time = new Date(10_000);
    const { connection, delivered } = setup('', { time });
    assert.equal(connection.live.request.EventsStoreTypeData, EventsStoreType.StartAtTime);
    assert.equal(connection.live.request.EventsStoreTypeValue, String(9_000_000_000n));
    connection.live.handlers.onMessage(event(1, 9_500_000_000n));
    connection.live.handlers.onMessage(event(2, 10_000_000_000n));
    connection.live.handlers.onMessage(event(3, 10_000_000_001n));
    assert.deepEqual(delivered, [2, 3]);
  });
});
