import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { trace } from '@opentelemetry/api';
import { assertOnlyOurTags, untracedRoundTrips } from '../support/untraced-round-trips';

// @opentelemetry/api is installed, but the app registered no tracer provider (nor propagator).
describe('OpenTelemetry present, no tracer provider registered', () => {
  it('changes nothing: every kind of message works, carries no trace tags, and no span is active', async () => {
    const activeInHandlers: unknown[] = [];
    const { received, channels } = await untracedRoundTrips(() =>
      activeInHandlers.push(trace.getActiveSpan()),
    );
    assert.deepEqual(
      [...new Set(received.map((r) => r.channel))].sort(),
      Object.values(channels).sort(),
    );
    assertOnlyOurTags(received);
    assert.ok(activeInHandlers.length >= 7);
    assert.ok(activeInHandlers.every((span) => span === undefined));
  });
});
