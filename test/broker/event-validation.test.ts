// Conformance: the validation order and error texts of SendEvent (§5.1),
// SendEventsStream (§5.2) and SubscribeToEvents (§5.3), over raw gRPC.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KubeMQErrorText as E } from '../../lib/kubemq/errors';
import { EventsStoreType, SubscribeType, type KubeMQEvent } from '../../lib/kubemq/messages';
import { uniqueChannel } from '../support/broker';
import {
  delay,
  expectCallError,
  expectStreamError,
  status,
  SUBSCRIBE_SETTLE_MS,
  within,
  useRawClient,
} from '../support/raw-kubemq-client';

const env = useRawClient();

function validEvent(fields: Partial<KubeMQEvent> = {}): Partial<KubeMQEvent> {
  return {
    ClientID: 'validation-publisher',
    Channel: uniqueChannel('event-validation'),
    Body: Buffer.from('payload'),
    ...fields,
  };
}

/** Invalid events, each failing exactly the named check (and none before it). */
const INVALID_EVENTS: [string, Partial<KubeMQEvent>, string][] = [
  ['empty ClientID', { ClientID: '', Channel: '', Body: Buffer.alloc(0) }, E.emptyClientId],
  ['empty channel', { Channel: '', Body: Buffer.alloc(0) }, E.emptyChannel],
  ['channel ending with a dot', { Channel: 'a b.' }, E.channelEndsWithDot],
  ['channel with a space', { Channel: 'a *' }, E.whitespaceChannel],
  ['wildcard *', { Channel: 'events.*', Body: Buffer.alloc(0) }, E.wildcardChannel],
  ['wildcard >', { Channel: 'events.>' }, E.wildcardChannel],
  ['neither Metadata nor Body', { Body: Buffer.alloc(0), Metadata: '' }, E.emptyMessage],
];

describe('SendEvent validation (§5.1)', () => {
  for (const [name, fields, text] of INVALID_EVENTS) {
    it(`rejects ${name}: ${text.slice(0, 9)}`, async () => {
      await expectCallError(env.client.sendEvent(validEvent(fields)), status.INTERNAL, text);
    });
  }

  it('applies the same checks to events-store events', async () => {
    for (const [, fields, text] of INVALID_EVENTS) {
      await expectCallError(
        env.client.sendEvent(validEvent({ ...fields, Store: true })),
        status.INTERNAL,
        text,
      );
    }
  });

  it('accepts Metadata without Body', async () => {
    const result = await env.client.sendEvent(validEvent({ Body: Buffer.alloc(0), Metadata: 'm' }));
    assert.equal(result.Sent, true);
    assert.equal(result.Error, '');
  });
});

describe('SendEventsStream validation (§5.2)', () => {
  it('answers invalid events in-band, keeps the stream open, and ends OK on half-close', async () => {
    const stream = env.client.openEventsStream();
    const channel = uniqueChannel('event-stream-validation');
    stream.send(validEvent({ Channel: channel, EventID: 'ok-1' }));
    stream.send(validEvent({ EventID: 'bad-1', ClientID: '' }));
    stream.send(validEvent({ Channel: channel, EventID: 'ok-2' }));
    stream.send(validEvent({ EventID: 'bad-2', Channel: 'x.*' }));
    stream.send(validEvent({ EventID: '', Body: Buffer.alloc(0) }));
    const results = await stream.waitFor(3);
    assert.deepEqual(results, [
      { EventID: 'bad-1', Sent: false, Error: E.emptyClientId },
      { EventID: 'bad-2', Sent: false, Error: E.wildcardChannel },
      { EventID: '', Sent: false, Error: E.emptyMessage },
    ]);
    stream.end();
    const final = await within(stream.ended, 5000, 'events stream end');
    assert.equal(final.code, status.OK);
    assert.equal(stream.received.length, 3, 'no Result for the valid plain events');
  });
});

describe('SubscribeToEvents validation (§5.3)', () => {
  const events = { SubscribeTypeData: SubscribeType.Events, ClientID: 'validation-sub' };
  const store = { SubscribeTypeData: SubscribeType.EventsStore, ClientID: 'validation-sub' };

  it('accepts only Events or EventsStore as the subscribe type (Error 207)', async () => {
    for (const type of [SubscribeType.Undefined, SubscribeType.Commands, SubscribeType.Queries]) {
      await expectStreamError(
        env.client.subscribeToEvents({ SubscribeTypeData: type }),
        status.INTERNAL,
        E.invalidSubscribeType,
      );
    }
  });

  it('checks events subscriptions in order: 101, 102, 119, 108, 118', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ ClientID: '', Channel: '' }, E.emptyClientId],
      [{ Channel: '', EventsStoreTypeData: 1 }, E.emptyChannel],
      [{ Channel: 'a b.' }, E.channelEndsWithDot],
      [{ Channel: 'a b', EventsStoreTypeData: 1 }, E.whitespaceChannel],
      [
        { Channel: uniqueChannel('events-118'), EventsStoreTypeData: EventsStoreType.StartNewOnly },
        E.eventsStoreParamsOnEvents,
      ],
    ];
    for (const [fields, text] of cases) {
      await expectStreamError(
        env.client.subscribeToEvents({ ...events, ...fields }),
        status.INTERNAL,
        text,
      );
    }
  });

  it('accepts wildcard channels for events and keeps the stream open', async () => {
    const prefix = uniqueChannel('event-validation-wild');
    const streams = [`${prefix}.*`, `${prefix}.>`].map((channel) =>
      env.client.subscribeToEvents({ ...events, Channel: channel }),
    );
    await delay(SUBSCRIBE_SETTLE_MS * 2);
    for (const stream of streams) {
      assert.equal(stream.isEnded, false, 'subscription still open');
      stream.cancel();
    }
  });

  it('checks events-store subscriptions in order: 101, ClientID chars, 102, 119, 108, 107, 111-114', async () => {
    const channel = uniqueChannel('store-validation');
    const cases: [Record<string, unknown>, string][] = [
      [{ ClientID: '', Channel: '' }, E.emptyClientId],
      [{ ClientID: 'bad.env.client id', Channel: '' }, E.invalidStanClientId],
      [{ Channel: '' }, E.emptyChannel],
      [{ Channel: 'a b.' }, E.channelEndsWithDot],
      [{ Channel: 'a b*' }, E.whitespaceChannel],
      [{ Channel: `${channel}.*`, EventsStoreTypeData: 1 }, E.wildcardChannel],
      [{ Channel: `${channel}.>` }, E.wildcardChannel],
      [{ Channel: channel }, E.undefinedEventsStoreType],
      [
        { Channel: channel, EventsStoreTypeData: EventsStoreType.StartAtSequence },
        E.invalidStartAtSequence,
      ],
      [
        {
          Channel: channel,
          EventsStoreTypeData: EventsStoreType.StartAtTime,
          EventsStoreTypeValue: '-1',
        },
        E.invalidStartAtTime,
      ],
      [
        { Channel: channel, EventsStoreTypeData: EventsStoreType.StartAtTimeDelta },
        E.invalidStartAtTimeDelta,
      ],
    ];
    for (const [fields, text] of cases) {
      await expectStreamError(
        env.client.subscribeToEvents({ ...store, ...fields }),
        status.INTERNAL,
        text,
      );
    }
  });
});
