import { randomBytes } from 'node:crypto';

/** The 62 characters KubeMQ's generated IDs are made of. */
export const BASE62_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Length of a NUID: a 12-character random prefix plus a 10-character sequence. */
export const NUID_LENGTH = 22;

const PREFIX_LENGTH = 12;
const SEQUENCE_LENGTH = 10;
// Keep the sequence inside exact integer range; 62^10 would not be.
const MAX_SEQUENCE = 2 ** 52;
const MIN_INCREMENT = 33;
const MAX_INCREMENT = 333;

/** `length` random base-62 characters (cryptographic randomness; a few bits of bias are harmless). */
function randomBase62(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i += 1) out += BASE62_ALPHABET[bytes[i] % 62];
  return out;
}

/** `value` (a non-negative safe integer) as exactly `length` base-62 digits, most significant first. */
export function encodeBase62(value: number, length: number): string {
  let rest = value;
  let out = '';
  for (let i = 0; i < length; i += 1) {
    out = BASE62_ALPHABET[rest % 62] + out;
    rest = Math.floor(rest / 62);
  }
  return out;
}

function randomInt(below: number): number {
  return Math.floor(Math.random() * below);
}

/**
 * Generator of NUIDs: the 22-character base-62 IDs KubeMQ assigns to
 * requests and events sent without one. Like NATS' NUID, a random prefix is
 * followed by a sequence that grows by a random step, so IDs are unique and
 * cheap (no randomness per ID); the prefix is renewed when the sequence runs out.
 */
export class NuidGenerator {
  private prefix = '';
  private sequence = 0;
  private increment = 0;

  constructor() {
    this.renew();
  }

  /** The next ID: 22 characters of `[0-9A-Za-z]`. */
  next(): string {
    this.sequence += this.increment;
    if (this.sequence >= MAX_SEQUENCE) this.renew();
    return this.prefix + encodeBase62(this.sequence, SEQUENCE_LENGTH);
  }

  private renew(): void {
    this.prefix = randomBase62(PREFIX_LENGTH);
    this.sequence = randomInt(MAX_SEQUENCE / 2);
    this.increment = MIN_INCREMENT + randomInt(MAX_INCREMENT - MIN_INCREMENT);
  }
}

const shared = new NuidGenerator();

/** A fresh NUID from the process-wide generator. */
export function nuid(): string {
  return shared.next();
}
