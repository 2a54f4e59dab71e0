import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RecentSequences } from '../../lib/kubemq/events-store/recent-sequences';
import { startError, startFields } from '../../lib/kubemq/events-store/start-position';
import { storeChannelError } from '../../lib/kubemq/events-store/store-channel';
import { subscriberClientId } from '../../lib/kubemq/events-store/subscriber-id';
import { EventsStoreType } from '../../lib/kubemq/messages';
import { OrderedDispatcher } from '../../lib/server/events-store/ordered-dispatcher';

describe('events store parts', () => {
  it('maps each start to KubeMQ’s Subscribe fields (time in ns, a second early)', () => {
    assert.deepEqual(startFields(undefined), {
      EventsStoreTypeData: EventsStoreType.StartNewOnly,
      EventsStoreTypeValue: '0',
    });
    assert.equal(startFields('first').EventsStoreTypeData, EventsStoreType.StartFromFirst);
    assert.equal(startFields('last').EventsStoreTypeData, EventsStoreType.StartFromLast);
    assert.deepEqual(startFields({ sequence: 7 }), {
      EventsStoreTypeData: 4,
      EventsStoreTypeValue: '7',
    });
    assert.deepEqual(startFields({ timeDelta: 60 }), {
      EventsStoreTypeData: 6,
      EventsStoreTypeValue: '60',
    });
    assert.deepEqual(startFields({ time: new Date(1_700_000_000_123) }), {
      EventsStoreTypeData: 5,
      EventsStoreTypeValue: '1699999999123000000',
    });
    assert.match(
      startError({ sequence: 2 ** 60 })!,
      /start\.sequence must be a whole number of at least 1/,
    );
  });

  it('refuses channels the events store cannot hold', () => {
    assert.equal(storeChannelError('orders.eu'), undefined);
    assert.match(storeChannelError('')!, /^Error 102/);
    assert.match(storeChannelError('.orders')!, /empty token/);
    assert.match(storeChannelError('a/b')!, /"\/"/);
    assert.match(storeChannelError('a\tb')!, /a tab, a line break or another control character/);
    assert.match(storeChannelError('a\nb')!, /a tab, a line break or another control character/);
    assert.equal(storeChannelError('a:b'), undefined, 'a colon is fine without a group');
    assert.match(storeChannelError('a', 'g:1')!, /":"/);
  });

  it('derives readable, bounded ClientIDs', () => {
    const id = subscriberClientId('orders-service', 'orders.created', '');
    assert.match(id, /^orders-service-orders_created-[0-9a-f]{12}$/);
    assert.ok(subscriberClientId('x'.repeat(500), 'y'.repeat(500), 'z').length < 120);
  });

  it('RecentSequences forgets the oldest beyond its capacity', () => {
    const recent = new RecentSequences(3);
    assert.ok(recent.add(1n) && recent.add(2n) && recent.add(3n));
    assert.equal(recent.add(2n), false);
    assert.ok(recent.add(4n));
    assert.ok(recent.add(1n), '1 was forgotten');
  });

  it('OrderedDispatcher: arrival order, at most `concurrency` at once, full at maxBuffered and room at half', async () => {
    const started: number[] = [];
    const finishers: Array<() => void> = [];
    const signals: string[] = [];
    const dispatcher = new OrderedDispatcher<number>(
      2,
      4,
      (n) => {
        started.push(n);
        return new Promise<void>((resolve) => finishers.push(resolve));
      },
      { onFull: () => signals.push('full'), onRoom: () => signals.push('room') },
    );
    for (let n = 1; n <= 6; n += 1) dispatcher.push(n);
    assert.deepEqual(started, [1, 2]);
    assert.equal(dispatcher.waiting, 4);
    assert.deepEqual(signals, ['full']);
    finishers.shift()!();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(started, [1, 2, 3]);
    finishers.shift()!();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(started, [1, 2, 3, 4]);
    assert.deepEqual(signals, ['full', 'room']);
    assert.deepEqual(dispatcher.abandon(), [5, 6]);
  });
});
