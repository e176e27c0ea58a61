/**
 * A bounded hand-off between the pull subscriptions of a consumer and its single processing loop. The
 * loop takes whatever has arrived (up to a batch), so batches grow under load and stay at one message
 * (lowest latency) when traffic is light.
 */
export class MessageQueue<T> {
  readonly #capacity: number;
  #items: T[] = [];
  #closed = false;
  #itemWaiters: Array<() => void> = [];
  #spaceWaiters: Array<() => void> = [];

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#items.length;
  }

  /** Waits for room; false when the queue was closed (the caller still owns the item). */
  async push(item: T): Promise<boolean> {
    while (!this.#closed && this.#items.length >= this.#capacity) {
      await new Promise<void>((resolve) => this.#spaceWaiters.push(resolve));
    }
    if (this.#closed) return false;
    this.#items.push(item);
    this.#itemWaiters.shift()?.();
    return true;
  }

  /** Up to `max` items, waiting for at least one; [] once closed and empty. */
  async take(max: number): Promise<T[]> {
    if (this.#items.length === 0 && !this.#closed) {
      while (this.#items.length === 0 && !this.#closed) {
        await new Promise<void>((resolve) => this.#itemWaiters.push(resolve));
      }
      // Woken by the first arrival: let the messages that came in the same read be pushed too.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const batch = this.#items.splice(0, max);
    for (const resolve of this.#spaceWaiters.splice(0)) resolve();
    return batch;
  }

  /** Stops the queue and hands back what nobody took. */
  close(): T[] {
    this.#closed = true;
    const left = this.#items.splice(0);
    for (const resolve of this.#itemWaiters.splice(0)) resolve();
    for (const resolve of this.#spaceWaiters.splice(0)) resolve();
    return left;
  }
}
