/**
 * The one retry delay of the platform (docs/architecture.md#background-work): exponential, capped, with
 * "equal jitter" — `base × 2^(attempt-1)` capped at `cap`, of which the upper half is random — so retries
 * of many jobs that failed together (a retailer down, a broker restart) spread out instead of returning
 * together. Used by the outbox relay, the internal HTTP client, and every leased job that retries.
 */
export function exponentialBackoffMs(
  attempt: number,
  baseMs: number,
  capMs: number,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const ceiling = Math.min(capMs, baseMs * 2 ** exponent);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
