// Unit tests of the in-process events store's building blocks (no gRPC): the channel log,
// start positions, the back-pressured delivery and the router's durable bookkeeping.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChannelLog } from '../../lib/broker/events-store/channel-log';
import { Delivery } from '../../lib/broker/events-store/delivery';
import type { EventSink } from '../../lib/broker/events-store/event-sink';
import { EventsStoreData } from '../../lib/broker/events-store/events-store-data';
import { EventsStoreRouter } from '../../lib/broker/events-store/events-store-router';
import { startSequence } from '../../lib/broker/events-store/start-position';
import { KubeMQErrorText as E } from '../../lib/kubemq/errors';
import {
  EventsStoreType,
  makeEvent,
  makeSubscribe,
  SubscribeType,
  type KubeMQEventReceive,
} from '../../lib/kubemq/messages';

function fill(log: ChannelLog, count: number): void {
  for (let i = 0; i < count; i += 1) {
    log.append({ EventID: `e${i}`, Metadata: `m${i}`, Body: Buffer.alloc(0), Tags: {} });
  }
}

/** A sink that takes `capacity` events before asking to wait, and counts what it got. */
class FakeSink implements EventSink {
  readonly got: string[] = [];
  private resume: (() => void) | undefined;

  constructor(private capacity = Infinity) {}

  write(event: KubeMQEventReceive): boolean {
    this.got.push(event.Metadata);
    this.capacity -= 1;
    return this.capacity > 0;
  }

  onReady(resume: () => void): void {
    this.resume = resume;
  }

  closed = false;

  isClosed(): boolean {
    return this.closed;
  }

  /** Takes `more` events again and wakes the delivery. */
  drain(more: number): void {
    this.capacity = more;
    const resume = this.resume;
    this.resume = undefined;
    resume?.();
  }
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('ChannelLog', () => {
  it('numbers events from 1 with strictly increasing ns timestamps', () => {
    const log = new ChannelLog('c');
    assert.equal(log.firstSequence, 1);
    assert.equal(log.lastSequence, 0);
    fill(log, 3);
    assert.equal(log.lastSequence, 3);
    const events = [1, 2, 3].map((sequence) => log.at(sequence)!.receive);
    assert.deepEqual(
      events.map((e) => [e.Sequence, e.Channel, e.Metadata]),
      [
        ['1', 'c', 'm0'],
        ['2', 'c', 'm1'],
        ['3', 'c', 'm2'],
      ],
    );
    const stamps = events.map((e) => BigInt(e.Timestamp));
    assert.ok(stamps[0] < stamps[1] && stamps[1] < stamps[2]);
    assert.equal(log.at(0), undefined);
    assert.equal(log.at(4), undefined);
  });

  it('finds the first event strictly after a time, and drops expired events from the front', () => {
    const log = new ChannelLog('c');
    fill(log, 5);
    const at = (sequence: number) => log.at(sequence)!.at;
    assert.equal(log.firstAfter(0n), 1);
    assert.equal(log.firstAfter(at(2)), 3);
    assert.equal(log.firstAfter(at(2) - 1n), 2);
    assert.equal(log.firstAfter(at(5)), 6);
    log.dropOlderThan(at(3));
    assert.equal(log.firstSequence, 4);
    assert.equal(log.lastSequence, 5);
    assert.equal(log.at(3), undefined);
    assert.equal(log.at(4)!.receive.Metadata, 'm3');
    assert.equal(log.firstAfter(0n), 4);
    fill(log, 1);
    assert.equal(log.lastSequence, 6, 'sequences go on after a drop');
    log.dropOlderThan(at(6));
    assert.equal(log.firstSequence, 7);
    assert.equal(log.lastSequence, 6, 'an empty log keeps its next sequence');
  });
});

describe('startSequence', () => {
  const log = new ChannelLog('c');
  fill(log, 5);
  const start = (type: number, value = '0', now = 0n) => startSequence(log, type, value, now);

  it('maps each start type onto the stored range', () => {
    assert.equal(start(EventsStoreType.StartNewOnly), 6);
    assert.equal(start(EventsStoreType.StartFromFirst), 1);
    assert.equal(start(EventsStoreType.StartFromLast), 5);
    assert.equal(start(EventsStoreType.StartAtSequence, '3'), 3);
    assert.equal(start(EventsStoreType.StartAtSequence, '6'), 6);
    assert.equal(start(EventsStoreType.StartAtSequence, '18446744073709551615'), 6);
    assert.equal(start(EventsStoreType.StartAtTime, log.at(4)!.at.toString()), 5);
    assert.equal(start(EventsStoreType.StartAtTime, '1'), 1);
    const now = log.at(5)!.at + 2_000_000_000n;
    assert.equal(start(EventsStoreType.StartAtTimeDelta, '1', now), 6);
    assert.equal(start(EventsStoreType.StartAtTimeDelta, '3', now), 1);
    assert.equal(start(7), 6);
    assert.equal(start(-1), 6);
  });

  it('starts before the oldest kept event at the oldest one', () => {
    const trimmed = new ChannelLog('t');
    fill(trimmed, 4);
    trimmed.dropOlderThan(trimmed.at(2)!.at);
    assert.equal(startSequence(trimmed, EventsStoreType.StartAtSequence, '1', 0n), 3);
    assert.equal(startSequence(trimmed, EventsStoreType.StartFromFirst, '0', 0n), 3);
  });
});

describe('Delivery', () => {
  it('stops writing when a sink asks to wait and carries on when it is ready', () => {
    const log = new ChannelLog('c');
    fill(log, 10);
    const position = { next: 1 };
    const delivery = new Delivery(log, position);
    const sink = new FakeSink(3);
    delivery.add(sink);
    assert.deepEqual(sink.got, ['m0', 'm1', 'm2']);
    assert.equal(position.next, 4, 'written events count as delivered');
    fill(log, 1);
    delivery.pump();
    assert.equal(sink.got.length, 3, 'nothing more while the sink waits');
    sink.drain(100);
    assert.equal(sink.got.length, 11);
    assert.equal(position.next, 12);
  });

  it('hands each event to one member, round-robin among those ready', () => {
    const log = new ChannelLog('c');
    const delivery = new Delivery(log, { next: 1 });
    const a = new FakeSink();
    const b = new FakeSink(2);
    delivery.add(a);
    delivery.add(b);
    fill(log, 6);
    delivery.pump();
    assert.deepEqual(b.got, ['m1', 'm3'], 'b takes two, then waits');
    assert.deepEqual(a.got, ['m0', 'm2', 'm4', 'm5']);
  });

  it('yields to the event loop during a long replay', async () => {
    const log = new ChannelLog('c');
    fill(log, 1000);
    const sink = new FakeSink();
    new Delivery(log, { next: 1 }).add(sink);
    assert.ok(sink.got.length < 1000, `wrote ${sink.got.length} in one go`);
    for (let i = 0; i < 10 && sink.got.length < 1000; i += 1) await tick();
    assert.equal(sink.got.length, 1000);
  });

  it('gives nothing to a member whose subscriber is gone, and leaves its events to others', () => {
    const log = new ChannelLog('c');
    const position = { next: 1 };
    const delivery = new Delivery(log, position);
    const gone = new FakeSink();
    delivery.add(gone);
    gone.closed = true;
    fill(log, 2);
    delivery.pump();
    assert.deepEqual(gone.got, []);
    assert.equal(position.next, 1, 'still due');
    const other = new FakeSink();
    delivery.add(other);
    assert.deepEqual(other.got, ['m0', 'm1']);
  });

  it('stops feeding a member that left', () => {
    const log = new ChannelLog('c');
    const delivery = new Delivery(log, { next: 1 });
    const sink = new FakeSink();
    const remove = delivery.add(sink);
    fill(log, 1);
    delivery.pump();
    remove();
    assert.equal(delivery.isEmpty, true);
    fill(log, 1);
    delivery.pump();
    assert.deepEqual(sink.got, ['m0']);
  });
});

describe('EventsStoreRouter', () => {
  const subscribe = (fields: Record<string, unknown>) =>
    makeSubscribe({
      SubscribeTypeData: SubscribeType.EventsStore,
      EventsStoreTypeData: EventsStoreType.StartFromFirst,
      ...fields,
    });
  const publish = (router: EventsStoreRouter, channel: string, metadata: string) =>
    router.publish(makeEvent({ ClientID: 'p', Channel: channel, Metadata: metadata, Store: true }));

  it('keeps positions in the data, so a new router (a restarted broker) resumes them', () => {
    const data = new EventsStoreData();
    const first = new EventsStoreRouter(data);
    publish(first, 'c', 'a');
    const sink = new FakeSink();
    const opened = first.subscribe(subscribe({ ClientID: 'x', Channel: 'c' }), sink);
    assert.ok('close' in opened);
    publish(first, 'c', 'b');
    assert.deepEqual(sink.got, ['a', 'b']);
    const second = new EventsStoreRouter(data);
    assert.equal(second.isClientLive('x'), false, 'live ClientIDs are not stored');
    publish(second, 'c', 'c');
    const again = new FakeSink();
    second.subscribe(subscribe({ ClientID: 'x', Channel: 'c' }), again);
    assert.deepEqual(again.got, ['c']);
  });

  it('holds a ClientID while its subscription is open and frees it on close', () => {
    const router = new EventsStoreRouter(new EventsStoreData());
    const opened = router.subscribe(subscribe({ ClientID: 'x', Channel: 'c' }), new FakeSink());
    assert.deepEqual(router.subscribe(subscribe({ ClientID: 'x', Channel: 'd' }), new FakeSink()), {
      error: E.stanClientIdRegistered,
    });
    assert.ok('close' in opened);
    opened.close();
    opened.close();
    assert.equal(router.isClientLive('x'), false);
  });

  it('answers Sent for a channel STAN cannot name, and stores nothing there', () => {
    const data = new EventsStoreData();
    const router = new EventsStoreRouter(data);
    const result = publish(router, 'a..b', 'x');
    assert.equal(result.Sent, true);
    assert.equal(data.channel('a..b').lastSequence, 0);
  });
});
