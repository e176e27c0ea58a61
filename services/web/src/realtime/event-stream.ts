/**
 * The signed-in user's live events (`GET /me/events`, Server-Sent Events). The browser's EventSource
 * cannot send an Authorization header, so this reads the stream over fetch (through the session, which
 * refreshes the access token on a 401) and parses it with eventsource-parser. It reconnects after the
 * gateway ends the stream (it does when the access token expires) or the network drops, with the
 * server's `retry:` delay and `Last-Event-ID`, so no event is missed; it stops when signed out.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { FetchLike } from '../auth/session';

export interface LiveEvent {
  /** Stream sequence (resume point). */
  id: string | undefined;
  /** e.g. `alert.created`. */
  name: string;
  /** The parsed JSON payload: `{ id, type, occurredAt, data }`. */
  payload: unknown;
}

/** Feeds a byte stream to the SSE parser until it ends; returns the last `retry:` the server sent. */
export async function readEventStream(
  body: ReadableStream<Uint8Array>,
  onMessage: (message: EventSourceMessage) => void,
): Promise<number | undefined> {
  let retry: number | undefined;
  const parser = createParser({
    onEvent: onMessage,
    onRetry: (ms) => {
      retry = ms;
    },
  });
  const reader = body.getReader();
  const decoder = new TextDecoder();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) {
      parser.feed(decoder.decode());
      return retry;
    }
    parser.feed(decoder.decode(value, { stream: true }));
  }
}

/** A message as a LiveEvent; messages whose data is not JSON are dropped (heartbeats are comments). */
export function toLiveEvent(message: EventSourceMessage): LiveEvent | undefined {
  try {
    return { id: message.id, name: message.event ?? 'message', payload: JSON.parse(message.data) as unknown };
  } catch {
    return undefined;
  }
}

export interface SubscribeOptions {
  /** The session's fetch (adds the token, refreshes on 401). */
  fetch: FetchLike;
  url: string;
  onEvent(event: LiveEvent): void;
  /** Told whether the stream is open, for a status indicator. */
  onStatus?(connected: boolean): void;
  signal: AbortSignal;
  /** Waits between attempts; tests make it instant. */
  sleep?(ms: number, signal: AbortSignal): Promise<void>;
}

const defaultSleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

/** Keeps the stream open until `signal` aborts or the session is gone (a 401 that refreshing did not fix). */
export async function subscribeToEvents(options: SubscribeOptions): Promise<void> {
  const sleep = options.sleep ?? defaultSleep;
  let lastEventId: string | undefined;
  let retryMs = 3_000;
  let failures = 0;
  while (!options.signal.aborted) {
    try {
      const headers: Record<string, string> = { accept: 'text/event-stream' };
      if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
      const response = await options.fetch(
        new Request(options.url, { headers, signal: options.signal, cache: 'no-store' }),
      );
      if (response.status === 401) {
        await response.body?.cancel();
        return;
      }
      if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
      options.onStatus?.(true);
      failures = 0;
      const serverRetry = await readEventStream(response.body, (message) => {
        if (message.id !== undefined) lastEventId = message.id;
        const event = toLiveEvent(message);
        if (event) options.onEvent(event);
      });
      if (serverRetry !== undefined) retryMs = serverRetry;
    } catch {
      if (options.signal.aborted) break;
      failures += 1;
    }
    options.onStatus?.(false);
    // Back off after repeated failures (at most 30 s); a clean end reconnects after the server's delay.
    await sleep(Math.min(30_000, retryMs * 2 ** Math.min(failures, 4)), options.signal);
  }
  options.onStatus?.(false);
}
