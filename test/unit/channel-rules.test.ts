import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  channelMatches,
  sendChannelError,
  subscribeChannelError,
} from '../../lib/kubemq/channel-rules';
import { kubemqTimestampToDate } from '../../lib/kubemq/timestamps';

describe('channel rules (shared by client and broker)', () => {
  it('checks in the server order with the server texts', () => {
    assert.match(sendChannelError('')!, /^Error 102/);
    assert.match(sendChannelError('a b.')!, /^Error 119/);
    assert.match(sendChannelError('a b')!, /^Error 108/);
    assert.match(sendChannelError('a.*')!, /^Error 107/);
    assert.equal(sendChannelError('a\tb'), undefined, 'only the ASCII space counts as white space');
    assert.equal(subscribeChannelError('a.*'), undefined);
    assert.equal(subscribeChannelError('a.>'), undefined);
  });

  it('matches NATS-style wildcards by whole tokens', () => {
    assert.ok(channelMatches('foo.*', 'foo.bar'));
    assert.ok(!channelMatches('foo.*', 'foo'));
    assert.ok(!channelMatches('foo.*', 'foo.bar.baz'));
    assert.ok(channelMatches('foo.>', 'foo.bar.baz'));
    assert.ok(!channelMatches('foo.>', 'foo'));
    assert.ok(channelMatches('>', 'anything.at.all'));
    assert.ok(!channelMatches('foo*', 'foo1'), '`foo*` is a literal token');
    assert.ok(channelMatches('*.b.*', 'a.b.c'));
  });
});

describe('Response.Timestamp in any unit', () => {
  const at = Date.UTC(2026, 0, 2, 3, 4, 5);
  it('reads seconds, milliseconds, microseconds and nanoseconds by magnitude', () => {
    assert.equal(kubemqTimestampToDate(String(at / 1000))?.getTime(), at);
    assert.equal(kubemqTimestampToDate(String(at))?.getTime(), at);
    assert.equal(kubemqTimestampToDate(String(BigInt(at) * 1000n))?.getTime(), at);
    assert.equal(kubemqTimestampToDate(String(BigInt(at) * 1_000_000n))?.getTime(), at);
    assert.equal(kubemqTimestampToDate('0'), undefined);
    assert.equal(kubemqTimestampToDate('garbage'), undefined);
  });
});
