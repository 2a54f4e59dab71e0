/**
 * Response.Timestamp arrives in whatever unit the responder's SDK chose
 * (Go v1: seconds, kubemq-js: ms, Go v2: ns). Read it by magnitude.
 */
export function kubemqTimestampToDate(
  value: string | number | bigint | undefined,
): Date | undefined {
  if (value === undefined || value === '' || value === '0' || value === 0 || value === 0n) {
    return undefined;
  }
  let n: bigint;
  try {
    n = BigInt(value);
  } catch {
    return undefined;
  }
  if (n <= 0n) return undefined;
  let ms: bigint;
  if (n < 100_000_000_000n)
    ms = n * 1000n; // seconds (until year 5138)
  else if (n < 100_000_000_000_000n)
    ms = n; // milliseconds
  else if (n < 100_000_000_000_000_000n)
    ms = n / 1000n; // microseconds
  else ms = n / 1_000_000n; // nanoseconds
  return new Date(Number(ms));
}

/** A KubeMQ Unix-nanosecond field (int64 as a decimal string) as a Date; undefined for "0" or "". */
export function unixNanosToDate(nanos: string | undefined): Date | undefined {
  if (!nanos || nanos === '0') return undefined;
  return new Date(Number(BigInt(nanos) / 1_000_000n));
}
