/**
 * Polling with a deadline, for effects that arrive later (an event applied, a job run, a message
 * delivered): never a fixed sleep. `check` is called until it returns something other than `undefined`
 * or `false` (a throw counts as "not yet"); that value is returned. The failure names what was awaited
 * and the last answer seen.
 */
export interface EventuallyOptions {
  /** Default 15 s. */
  timeoutMs?: number;
  /** Default 50 ms. */
  intervalMs?: number;
}

export async function eventually<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  { timeoutMs = 15_000, intervalMs = 50 }: EventuallyOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
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
