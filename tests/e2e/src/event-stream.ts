/**
 * A reader of the gateway's Server-Sent Events (`GET /me/events`) over fetch, so the access token goes
 * in the Authorization header as the web app sends it. Events are parsed as they arrive and kept;
 * waitFor() resolves with the first (already received or later) event that matches.
 */

export interface ServerSentEvent {
  /** The stream sequence (`id:`). */
  id: string | undefined;
  /** `event:`, e.g. `cart.updated`. */
  event: string;
  /** `data:` parsed as JSON: `{ id, type, occurredAt, data }` for CartWatch events. */
  data: PushedEnvelope;
}

export interface PushedEnvelope {
  id: string;
  type: string;
  occurredAt: string;
  data: Record<string, unknown>;
}

type Waiter = { test: (event: ServerSentEvent) => boolean; resolve: (event: ServerSentEvent) => void };

export class EventStream {
  readonly events: ServerSentEvent[] = [];
  readonly #waiters = new Set<Waiter>();
  readonly #abort = new AbortController();
  #ended: Error | undefined;
  #onEnded: (() => void) | undefined;
  readonly #endedPromise = new Promise<void>((resolve) => {
    this.#onEnded = resolve;
  });

  private constructor() {}

  /** Resolves once the stream answered 200 with `text/event-stream` (the gateway then delivers live events). */
  static async open(url: string, token: string): Promise<EventStream> {
    const stream = new EventStream();
    const response = await fetch(`${url}/me/events`, {
      headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
      signal: stream.#abort.signal,
    });
    const type = response.headers.get('content-type') ?? '';
    if (response.status !== 200 || !type.startsWith('text/event-stream') || !response.body) {
      throw new Error(`GET /me/events answered ${response.status} ${type}: ${await response.text()}`);
    }
    void stream.#read(response.body);
    return stream;
  }

  /** The first event satisfying `test`; fails after `timeoutMs` naming `what` and what did arrive. */
  waitFor(
    what: string,
    test: (event: ServerSentEvent) => boolean,
    timeoutMs = 30_000,
  ): Promise<ServerSentEvent> {
    const seen = this.events.find(test);
    if (seen) return Promise.resolve(seen);
    if (this.#ended) return Promise.reject(new Error(`${what}: the stream ended (${this.#ended.message})`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        const received = this.events.map((event) => event.event).join(', ') || 'nothing';
        reject(
          new Error(
            `${what} did not arrive on the SSE stream within ${timeoutMs} ms (received: ${received})`,
          ),
        );
      }, timeoutMs);
      const waiter: Waiter = {
        test,
        resolve: (event) => {
          clearTimeout(timer);
          resolve(event);
        },
      };
      this.#waiters.add(waiter);
    });
  }

  close(): void {
    this.#abort.abort();
  }

  /** Resolves when the server ends the stream; fails after `timeoutMs` naming `what`. */
  ended(what: string, timeoutMs = 30_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${what}: the stream was still open after ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    return Promise.race([this.#endedPromise, timeout]).finally(() => clearTimeout(timer));
  }

  async #read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk, { stream: true }).replaceAll('\r\n', '\n');
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          this.#dispatch(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
      this.#ended = new Error('closed by the server');
    } catch (error) {
      this.#ended = error instanceof Error ? error : new Error(String(error));
    }
    this.#onEnded?.();
  }

  /** One SSE block: comments (`: heartbeat`) and `retry:` are skipped, `data:` lines joined. */
  #dispatch(block: string): void {
    let id: string | undefined;
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') id = value;
      else if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length === 0) return;
    const parsed: ServerSentEvent = { id, event, data: JSON.parse(data.join('\n')) as PushedEnvelope };
    this.events.push(parsed);
    for (const waiter of this.#waiters) {
      if (waiter.test(parsed)) {
        this.#waiters.delete(waiter);
        waiter.resolve(parsed);
      }
    }
  }
}
