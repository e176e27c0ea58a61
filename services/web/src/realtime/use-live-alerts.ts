/** Keeps the live event stream open while signed in: new alerts refresh the alert queries and show. */
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
        }
      },
    });
    return () => controller.abort();
  }, [session, queryClient]);
  return { latest, connected };
}
