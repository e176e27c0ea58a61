import { describe, expect, it } from 'vitest';
import { type LiveEvent, readEventStream, subscribeToEvents } from './event-stream';

/** A body that delivers the given chunks one by one (split anywhere, as networks do). */
function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

const alertFrame = (seq: number, title: string) =>
  `id: ${seq}\nevent: alert.created\ndata: ${JSON.stringify({ id: `e${seq}`, type: 'alert.created.v1', data: { title, body: 'b' } })}\n\n`;

describe('readEventStream', () => {
  it('parses events split across chunks, skips comments, and reports the retry delay', async () => {
    const frame = alertFrame(7, 'Milk is cheaper');
    const messages: { id?: string; event?: string; data: string }[] = [];
    const retry = await readEventStream(
      streamOf(['retry: 3000\n\n: heartbeat\n\n', frame.slice(0, 11), frame.slice(11, 40), frame.slice(40)]),
      (message) => messages.push(message),
    );
    expect(retry).toBe(3000);
    expect(messages).toHaveLength(1);
    expect(messages[0]?.id).toBe('7');
    expect(messages[0]?.event).toBe('alert.created');
    expect(JSON.parse(messages[0]?.data ?? '')).toMatchObject({ data: { title: 'Milk is cheaper' } });
  });

  it('decodes multi-byte characters cut between chunks', async () => {
    const bytes = new TextEncoder().encode('data: {"title":"Crème brûlée"}\n\n');
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, 20)); // inside "è"
        controller.enqueue(bytes.slice(20));
        controller.close();
      },
    });
    const data: string[] = [];
    await readEventStream(body, (message) => data.push(message.data));
    expect(data).toEqual(['{"title":"Crème brûlée"}']);
  });
});

describe('subscribeToEvents', () => {
  it('reconnects after the stream ends, resuming with Last-Event-ID, and stops on a 401', async () => {
    const requests: Request[] = [];
    const answers = [
      () => new Response(streamOf([alertFrame(1, 'one'), alertFrame(2, 'two')]), { status: 200 }),
      () => new Response(streamOf([alertFrame(3, 'three')]), { status: 200 }),
      () => new Response(null, { status: 401 }),
    ];
    const events: LiveEvent[] = [];
    const statuses: boolean[] = [];
    const waits: number[] = [];
    await subscribeToEvents({
      url: 'http://cartwatch.test/me/events',
      signal: new AbortController().signal,
      fetch: async (request) => {
        requests.push(request);
        const answer = answers.shift();
        if (!answer) throw new Error('unexpected request');
        return answer();
      },
      onEvent: (event) => events.push(event),
      onStatus: (connected) => statuses.push(connected),
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    expect(events.map((event) => [event.id, event.name])).toEqual([
      ['1', 'alert.created'],
      ['2', 'alert.created'],
      ['3', 'alert.created'],
    ]);
    expect(requests.map((request) => request.headers.get('last-event-id'))).toEqual([null, '2', '3']);
    expect(requests.every((request) => request.headers.get('accept') === 'text/event-stream')).toBe(true);
    expect(waits).toEqual([3000, 3000]);
    expect(statuses.at(-1)).toBe(false);
  });

  it('backs off after failures and stops when aborted', async () => {
    const controller = new AbortController();
    const waits: number[] = [];
    await subscribeToEvents({
      url: 'http://cartwatch.test/me/events',
      signal: controller.signal,
      fetch: async () => {
        throw new TypeError('network down');
      },
      onEvent: () => {},
      sleep: async (ms) => {
        waits.push(ms);
        if (waits.length === 3) controller.abort();
      },
    });
    expect(waits).toEqual([6000, 12000, 24000]);
  });
});
