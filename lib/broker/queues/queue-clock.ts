/**
 * Unix time in nanoseconds, the unit of every queue timestamp on the wire.
 * Anchored once to the wall clock and advanced by the monotonic clock, so
 * values are exact integers (as bigint) and never go backwards.
 */
const ORIGIN_NS = BigInt(Date.now()) * 1_000_000n;
const ORIGIN_HR = process.hrtime.bigint();

export const NANOS_PER_SECOND = 1_000_000_000n;

/** Now, in Unix nanoseconds. */
export function nowNanos(): bigint {
  return ORIGIN_NS + (process.hrtime.bigint() - ORIGIN_HR);
}

/** `seconds` from `from`, in Unix nanoseconds. */
export function nanosAfter(from: bigint, seconds: number): bigint {
  return from + BigInt(seconds) * NANOS_PER_SECOND;
}
