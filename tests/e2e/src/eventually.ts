/**
 * Polling with a deadline for effects that travel through events (receipt -> match -> observation ->
 * detection -> alert): @cartwatch/testing's `eventually`, with the longer defaults a whole stack needs.
 */
import { type EventuallyOptions, eventually as poll } from '@cartwatch/testing';

export function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  options: EventuallyOptions = {},
): Promise<T> {
  return poll(what, check, { timeoutMs: 60_000, intervalMs: 250, ...options });
}
