/** The whole app (real router, session and typed client) over a fake gateway: routes by `METHOD /path`. */
import { render } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { AppRoutes } from '../src/app';
import { AppProviders, createAppServices } from '../src/app-context';

export const origin = 'http://cartwatch.test';
export const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

export const user = {
  id: '0190a0b0-0000-7000-8000-000000000001',
  email: 'ada@example.com',
  emailVerified: true,
  displayName: 'Ada',
  phone: null,
  role: 'user' as const,
  secondFactor: 'email' as const,
  createdAt: '2026-01-01T00:00:00.000Z',
};
export const session = {
  user,
  tokens: {
    accessToken: 'access-1',
    tokenType: 'Bearer' as const,
    expiresIn: 900,
    refreshToken: 'r',
    refreshExpiresAt: '2026-01-08T00:00:00.000Z',
  },
};

export type Route = (request: Request) => Response | Promise<Response>;

export function renderApp(path: string, routes: Record<string, Route>) {
  const seen: { method: string; path: string; body: string; auth: string | null }[] = [];
  const services = createAppServices({
    origin,
    locks: undefined,
    fetch: async (request) => {
      const url = new URL(request.url);
      seen.push({
        method: request.method,
        path: url.pathname,
        body: await request.clone().text(),
        auth: request.headers.get('authorization'),
      });
      const route = routes[`${request.method} ${url.pathname}`];
      if (route) return route(request);
      if (url.pathname === '/me/events') return new Promise<Response>(() => {}); // stays open
      return json(404, { error: { code: 'NOT_FOUND', message: 'not found', requestId: 'r' } });
    },
  });
  render(
    <AppProviders services={services}>
      <MemoryRouter initialEntries={[path]}>
        <AppRoutes />
      </MemoryRouter>
    </AppProviders>,
  );
  return { services, seen };
}

export const noAlerts = () => json(200, { items: [], nextCursor: null });

/** An error body as the gateway sends it. */
export const apiError = (status: number, code: string, message: string) =>
  json(status, { error: { code, message, requestId: 'r' } });
