/**
 * Polling with a deadline for effects that travel through events (receipt -> match -> observation ->
 * detection -> alert): never a fixed sleep. The failure names what was awaited and the last answer seen.
 */
export interface EventuallyOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

/** Calls `check` until it returns a value other than undefined (or stops throwing) and returns that value. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  { timeoutMs = 60_000, intervalMs = 250 }: EventuallyOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
      last = 'nothing yet';
    } catch (error) {
      last = error instanceof Error ? error.message : error;
    }
    if (Date.now() >= deadline) {
      throw new Error(`${what}: not within ${timeoutMs} ms (last: ${String(last).slice(0, 1_000)})`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
