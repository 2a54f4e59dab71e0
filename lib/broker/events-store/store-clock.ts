const NS_PER_MS = 1_000_000n;

let anchorWall = BigInt(Date.now()) * NS_PER_MS;
let anchorHr = process.hrtime.bigint();
let last = 0n;

/**
 * The wall clock in nanoseconds: Date.now() has only milliseconds, so the
 * high-resolution clock counts from an anchor; when the two disagree (the
 * system clock was set, the machine slept) the wall clock wins.
 */
function wallNanos(): bigint {
  const hr = process.hrtime.bigint();
  const wall = BigInt(Date.now()) * NS_PER_MS;
  const estimate = anchorWall + (hr - anchorHr);
  if (estimate >= wall - NS_PER_MS && estimate <= wall + 2n * NS_PER_MS) return estimate;
  anchorWall = wall;
  anchorHr = hr;
  return wall;
}

/**
 * The time a stored event gets, in Unix nanoseconds, never equal to or
 * before the previous one: strictly increasing times keep "the first event
 * after time T" (StartAtTime) unambiguous.
 */
export function storeTimestamp(): bigint {
  const now = wallNanos();
  last = now > last ? now : last + 1n;
  return last;
}

/**
 * Makes later store times come after `time` (an event a restarted broker
 * read back), even if the wall clock went back in between.
 */
export function advanceStoreClock(time: bigint): void {
  if (time > last) last = time;
}

/** Now in Unix nanoseconds, for start positions given as a time or a delta. */
export function nowNanos(): bigint {
  return wallNanos();
}
