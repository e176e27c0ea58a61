/** What every screen needs from the app: the session, the typed API client and the query cache. */
import { onlineManager, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createContext, type ReactNode, useContext, useSyncExternalStore } from 'react';
import { type Api, createApi } from './api/client';
import { ApiError } from './api/errors';
import { type SessionOptions, type SessionState, SessionStore } from './auth/session';
import { browserPush, type PushPlatform } from './notifications/push';

export interface AppServices {
  session: SessionStore;
  api: Api;
  queryClient: QueryClient;
  /** Web push in this browser (tests pass a fake). */
  push: PushPlatform;
}

export function createAppServices(options: SessionOptions & { push?: PushPlatform } = {}): AppServices {
  const session = new SessionStore(options);
  // TanStack Query learns about going on- and offline from the browser's events only: start from the
  // browser's own state, so an app opened offline knows it at once.
  if (typeof navigator !== 'undefined') onlineManager.setOnline(navigator.onLine);
  const queryClient = new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        // Ask even when offline: the service worker answers public pages from its copy. What it cannot
        // answer waits (paused) until the network is back, and QueryState says so.
        networkMode: 'offlineFirst',
        // A 4xx will not change by asking again; network trouble and 5xx may.
        retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
      },
      // A change sent offline fails at once with "Could not reach CartWatch" rather than waiting unseen
      // (paused) behind a disabled button; screens that know they are offline disable it first.
      mutations: { networkMode: 'always' },
    },
  });
  // Whatever was cached belongs to the user who was signed in.
  session.subscribe(() => {
    if (session.getState().status === 'signed-out') queryClient.clear();
  });
  return { session, api: createApi(session), queryClient, push: options.push ?? browserPush() };
}

const ServicesContext = createContext<AppServices | null>(null);

export function AppProviders({ services, children }: { services: AppServices; children: ReactNode }) {
  return (
    <ServicesContext.Provider value={services}>
      <QueryClientProvider client={services.queryClient}>{children}</QueryClientProvider>
    </ServicesContext.Provider>
  );
}

export function useServices(): AppServices {
  const services = useContext(ServicesContext);
  if (!services) throw new Error('useServices() outside <AppProviders>');
  return services;
}

export const useApi = (): Api => useServices().api;

export function useSession(): SessionState {
  const { session } = useServices();
  return useSyncExternalStore(session.subscribe, session.getState);
}
