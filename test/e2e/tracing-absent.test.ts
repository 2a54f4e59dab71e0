import 'reflect-metadata';
import assert from 'node:assert/strict';
import Module from 'node:module';
import { describe, it } from 'node:test';
import { assertOnlyOurTags, untracedRoundTrips } from '../support/untraced-round-trips';

// An app without @opentelemetry/api (an optional peer): make it unresolvable, as if not
// installed. The library looks it up only when a server listens or a client connects, so
// this runs before that, whatever the module kind of this file.
const resolver = Module as unknown as {
  _resolveFilename: (request: string, ...rest: unknown[]) => string;
};
const resolve = resolver._resolveFilename;
const refused: string[] = [];
resolver._resolveFilename = function (request: string, ...rest: unknown[]) {
  if (request === '@opentelemetry/api' || request.startsWith('@opentelemetry/api/')) {
    refused.push(request);
    const error = new Error(`Cannot find module '${request}'`) as Error & { code: string };
    error.code = 'MODULE_NOT_FOUND';
    throw error;
  }
  return resolve.call(this, request, ...rest);
};

describe('OpenTelemetry absent (@opentelemetry/api not installed)', () => {
  it('changes nothing: every kind of message works and carries no trace tags', async () => {
    const { received, channels } = await untracedRoundTrips();
    assert.ok(refused.length > 0, 'the library looked for @opentelemetry/api');
    assert.deepEqual(
      [...new Set(received.map((r) => r.channel))].sort(),
      Object.values(channels).sort(),
    );
    assertOnlyOurTags(received);
  });
});
