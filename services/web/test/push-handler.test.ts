/** The service worker's push handler (public/push-handler.js): shows the pushed alert, opens its link on click. */
import { describe, expect, it } from 'vitest';
import source from '../public/push-handler.js?raw';

type Listener = (event: Record<string, unknown>) => void;

/** Runs the handler script against a fake service worker global; returns what it registered and did. */
function loadHandler() {
  const listeners = new Map<string, Listener>();
  const shown: { title: string; options: Record<string, unknown> }[] = [];
  const opened: string[] = [];
  const self = {
    location: { origin: 'https://cartwatch.example' },
    addEventListener: (type: string, listener: Listener) => listeners.set(type, listener),
    registration: {
      showNotification: async (title: string, options: Record<string, unknown>) => {
        shown.push({ title, options });
      },
    },
  };
  const clients = {
    matchAll: async () => [],
    openWindow: async (url: string) => {
      opened.push(url);
    },
  };
  new Function('self', 'clients', source)(self, clients);
  async function dispatch(type: string, event: Record<string, unknown>) {
    const waits: Promise<unknown>[] = [];
    listeners.get(type)?.({ ...event, waitUntil: (promise: Promise<unknown>) => waits.push(promise) });
    await Promise.all(waits);
  }
  return { dispatch, shown, opened };
}

const pushOf = (payload: unknown) => ({
  data: { json: () => payload, text: () => JSON.stringify(payload) },
});

describe('service worker push handler', () => {
  it('shows the alert and opens its link when clicked', async () => {
    const worker = loadHandler();
    await worker.dispatch(
      'push',
      pushOf({
        title: 'Butter is cheaper',
        body: 'Butter 1.49',
        url: 'https://shop.example.com/butter',
        tag: 'a1',
      }),
    );
    expect(worker.shown).toEqual([
      {
        title: 'Butter is cheaper',
        options: {
          body: 'Butter 1.49',
          tag: 'a1',
          icon: '/icon-192.png',
          badge: '/icon-192.png',
          data: { url: 'https://shop.example.com/butter' },
        },
      },
    ]);
    await worker.dispatch('notificationclick', {
      notification: { close() {}, data: worker.shown[0]?.options.data },
    });
    expect(worker.opened).toEqual(['https://shop.example.com/butter']);
  });

  it('opens app paths on this origin and never a script URL', async () => {
    const worker = loadHandler();
    await worker.dispatch('push', pushOf({ title: 'A', body: 'b', url: '/app/alerts', tag: 't' }));
    await worker.dispatch('push', pushOf({ title: 'B', body: 'b', url: 'javascript:alert(1)', tag: 'u' }));
    expect(worker.shown.map((shown) => shown.options.data)).toEqual([
      { url: 'https://cartwatch.example/app/alerts' },
      { url: 'https://cartwatch.example/app/alerts' },
    ]);
  });
});
