// Unit tests of the broker's building blocks (no gRPC): IDs, reply inboxes,
// the subscription registry's group and wildcard rules, and request routing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NuidGenerator, encodeBase62, nuid } from '../../lib/broker/nuid';
import { ReplyInbox } from '../../lib/broker/reply-inbox';
import { RequestRouter } from '../../lib/broker/request-router';
import { SubscriptionRegistry, type Subscriber } from '../../lib/broker/subscription-registry';
import { KubeMQErrorText as E } from '../../lib/kubemq/errors';
import {
  makeRequest,
  makeResponse,
  RequestType,
  type KubeMQRequest,
} from '../../lib/kubemq/messages';

function collector(pattern: string, group = ''): Subscriber<string> & { got: string[] } {
  const got: string[] = [];
  return { pattern, group, got, deliver: (message) => void got.push(message) };
}

describe('nuid', () => {
  it('makes unique 22-character base-62 IDs', () => {
    const generator = new NuidGenerator();
    const ids = new Set<string>();
    for (let i = 0; i < 10_000; i += 1) {
      const id = generator.next();
      assert.match(id, /^[0-9A-Za-z]{22}$/);
      ids.add(id);
    }
    assert.equal(ids.size, 10_000);
    assert.match(nuid(), /^[0-9A-Za-z]{22}$/);
  });

  it('encodes base 62 with a fixed width', () => {
    assert.equal(encodeBase62(0, 3), '000');
    assert.equal(encodeBase62(61, 2), '0z');
    assert.equal(encodeBase62(62, 2), '10');
  });
});

describe('ReplyInbox', () => {
  it('makes distinct `_INBOX.<22>.<8>` reply channels', () => {
    const inbox = new ReplyInbox();
    const a = inbox.next();
    const b = inbox.next();
    assert.match(a, /^_INBOX\.[0-9A-Za-z]{22}\.[0-9A-Za-z]{8}$/);
    assert.equal(a.length, 38);
    assert.notEqual(a, b);
    assert.equal(a.slice(0, 30), b.slice(0, 30), 'the NUID part is fixed per inbox');
  });
});

describe('SubscriptionRegistry', () => {
  it('delivers to every ungrouped subscriber of the exact channel only', () => {
    const registry = new SubscriptionRegistry<string>();
    const a = collector('orders');
    const b = collector('orders');
    const other = collector('orders.eu');
    for (const s of [a, b, other]) registry.add(s);
    assert.equal(registry.dispatch('orders', 'm1'), 2);
    assert.deepEqual([a.got, b.got, other.got], [['m1'], ['m1'], []]);
    assert.equal(registry.dispatch('nobody', 'm2'), 0);
  });

  it('picks one member per group, at random, across patterns', () => {
    const registry = new SubscriptionRegistry<string>();
    const members = [collector('x.orders', 'g'), collector('x.*', 'g'), collector('x.>', 'g')];
    const otherGroup = collector('x.>', 'h');
    const solo = collector('x.*');
    for (const s of [...members, otherGroup, solo]) registry.add(s);
    const rounds = 3000;
    for (let i = 0; i < rounds; i += 1) {
      assert.equal(registry.dispatch('x.orders', `m${i}`), 3);
    }
    assert.equal(
      members.reduce((n, m) => n + m.got.length, 0),
      rounds,
    );
    for (const member of members) assert.ok(member.got.length > rounds / 6, 'random spread');
    assert.equal(otherGroup.got.length, rounds);
    assert.equal(solo.got.length, rounds);
  });

  it('applies NATS token wildcards', () => {
    const registry = new SubscriptionRegistry<string>();
    const star = collector('a.*');
    const tail = collector('a.>');
    const all = collector('>');
    const literal = collector('a*');
    for (const s of [star, tail, all, literal]) registry.add(s);
    registry.dispatch('a', '1');
    registry.dispatch('a.b', '2');
    registry.dispatch('a.b.c', '3');
    assert.deepEqual(star.got, ['2']);
    assert.deepEqual(tail.got, ['2', '3']);
    assert.deepEqual(all.got, ['1', '2', '3']);
    assert.deepEqual(literal.got, []);
  });

  it('removes subscribers, once, and forgets empty channels', () => {
    const registry = new SubscriptionRegistry<string>();
    const a = collector('c', 'g');
    const b = collector('c.*');
    const removeA = registry.add(a);
    const removeB = registry.add(b);
    assert.equal(registry.size, 2);
    removeA();
    removeA();
    removeB();
    assert.equal(registry.size, 0);
    assert.equal(registry.dispatch('c', 'm'), 0);
    assert.deepEqual(a.got, []);
  });
});

describe('RequestRouter', () => {
  function command(fields: Partial<KubeMQRequest> = {}): KubeMQRequest {
    return makeRequest({
      RequestTypeData: RequestType.Command,
      ClientID: 'c',
      Channel: 'ch',
      Metadata: 'm',
      Timeout: 10_000,
      ...fields,
    });
  }

  it('routes the first response by ReplyChannel and drops later ones', async () => {
    const router = new RequestRouter();
    const seen: KubeMQRequest[] = [];
    router.subscribe(RequestType.Command, {
      pattern: 'ch',
      group: '',
      deliver: (r) => seen.push(r),
    });
    const outcome = new Promise<unknown>((resolve) =>
      router.send(command(), (failure, response) => resolve(failure ?? response)),
    );
    assert.equal(seen.length, 1);
    const reply = makeResponse({
      ClientID: 'r',
      RequestID: 'x',
      ReplyChannel: seen[0].ReplyChannel,
      Body: Buffer.from('b'),
    });
    assert.equal(router.respond(reply), true);
    assert.equal(router.respond({ ...reply }), false, 'a second answer finds nobody');
    const response = (await outcome) as { Body: Uint8Array; Metadata: string };
    assert.equal(response.Body.length, 0, 'command answers lose their Body');
    assert.equal(router.pendingCount, 0);
  });

  it('fails after the Timeout, or at once on failAll, and clears its timers', async () => {
    const router = new RequestRouter();
    const timedOut = await new Promise<unknown>((resolve) =>
      router.send(command({ Timeout: 30 }), (failure) => resolve(failure)),
    );
    assert.deepEqual(timedOut, { code: 13, details: E.requestTimeout });
    const stopped = new Promise<unknown>((resolve) =>
      router.send(command({ Timeout: 60_000 }), (failure) => resolve(failure)),
    );
    router.failAll({ code: 14, details: 'stopped' });
    assert.deepEqual(await stopped, { code: 14, details: 'stopped' });
    const abandon = router.send(command({ Timeout: 60_000 }), () => assert.fail('abandoned'));
    abandon();
    assert.equal(router.pendingCount, 0);
  });
});
