/** Retry delays of the consumer (redelivery) and the relay's waits; the exponential one is service-kit's. */

/** The configured delay for a delivery attempt; the last entry repeats. */
export function scheduledDelayMs(schedule: readonly number[], attempt: number): number {
  if (schedule.length === 0) return 0;
  const index = Math.min(Math.max(attempt - 1, 0), schedule.length - 1);
  return schedule[index] ?? 0;
}

/** A sleep that `wake()` ends early; used for poll intervals and backoff waits. */
export class Waker {
  #pending = false;
  #resolve: (() => void) | undefined;

  /** Ends the current wait, or makes the next one return at once. */
  wake(): void {
    this.#pending = true;
    this.#resolve?.();
  }

  /** True when a wake-up arrived since the last call; clears it. */
  consume(): boolean {
    const pending = this.#pending;
    this.#pending = false;
    return pending;
  }

  /** True while a wait is under way (nothing has woken it yet). */
  get waiting(): boolean {
    return this.#resolve !== undefined;
  }

  wait(ms: number): Promise<void> {
    if (this.#pending) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done(): void {
        clearTimeout(timer);
        self.#resolve = undefined;
        resolve();
      }
      this.#resolve = done;
    });
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. Never rejects. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
