/**
 * Keeps the live event stream open while signed in: new alerts refresh the alert queries and show; an
 * order's status change refreshes the order queries and is announced too; a cart pairing refreshes the
 * pairing screen.
 */
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useServices } from '../app-context';
import { subscribeToEvents } from './event-stream';

export interface LiveAlert {
  title: string;
  body: string;
}

function alertOf(payload: unknown): LiveAlert | undefined {
  const data = (payload as { data?: { title?: unknown; body?: unknown } } | null)?.data;
  return typeof data?.title === 'string' && typeof data.body === 'string'
    ? { title: data.title, body: data.body }
    : undefined;
}

/** `order.status-changed` as an announcement: `Your order is now shipped`. */
export function orderChangeOf(payload: unknown): LiveAlert | undefined {
  const data = (payload as { data?: { to?: unknown } } | null)?.data;
  return typeof data?.to === 'string'
    ? { title: `Your order is now ${data.to.toLowerCase()}`, body: '' }
    : undefined;
}

export function useLiveAlerts(): { latest: LiveAlert | undefined; connected: boolean } {
  const { session } = useServices();
  const queryClient = useQueryClient();
  const [latest, setLatest] = useState<LiveAlert>();
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    const controller = new AbortController();
    void subscribeToEvents({
      fetch: session.fetch,
      url: `${session.origin}/me/events`,
      signal: controller.signal,
      onStatus: setConnected,
      onEvent: (event) => {
        if (event.name === 'alert.created') {
          setLatest(alertOf(event.payload));
          void queryClient.invalidateQueries({ queryKey: ['alerts'] });
        } else if (event.name === 'order.status-changed') {
          setLatest(orderChangeOf(event.payload));
          void queryClient.invalidateQueries({ queryKey: ['orders'] });
        } else if (event.name === 'device.paired') {
          void queryClient.invalidateQueries({ queryKey: ['cart-pairing'] });
        }
      },
    });
    return () => controller.abort();
  }, [session, queryClient]);
  return { latest, connected };
}
