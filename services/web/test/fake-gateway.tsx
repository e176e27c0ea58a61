/** The whole app (real router, session and typed client) rendered over a fake gateway: routes by `METHOD /path`. */
import { render } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { AppRoutes } from '../src/app';
import { AppProviders, createAppServices } from '../src/app-context';
import type { PushPlatform } from '../src/notifications/push';

export const origin = 'http://cartwatch.test';

export const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/** The API's error body with per-field issues, as service-kit answers a failed validation. */
export const validationFailed = (issues: { path: string; message: string }[]) =>
  json(400, {
    error: {
      code: 'VALIDATION_FAILED',
      message: 'request validation failed',
      details: { issues: issues.map((issue) => ({ ...issue, code: 'custom' })) },
      requestId: 'r-validation',
    },
  });

export const emptyPage = () => json(200, { items: [], nextCursor: null });

export function sessionFor(role: 'user' | 'admin') {
  return {
    user: {
      id: '0190a0b0-0000-7000-8000-000000000001',
      email: role === 'admin' ? 'admin@example.com' : 'ada@example.com',
      emailVerified: true,
      displayName: role === 'admin' ? 'Admin' : 'Ada',
      phone: null,
      role,
      retailer: null,
      secondFactor: 'email' as const,
      createdAt: '2026-01-01T00:00:00.000Z',
    },
    tokens: {
      accessToken: 'access-1',
      tokenType: 'Bearer' as const,
      expiresIn: 900,
      refreshToken: 'r',
      refreshExpiresAt: '2026-01-08T00:00:00.000Z',
    },
  };
}

/** A signed-in shopper's session, for `services.session.accept(session)`. */
export const session = sessionFor('user');
export const user = session.user;
export const noAlerts = emptyPage;

/** An error body as the gateway sends it. */
export const apiError = (status: number, code: string, message: string) =>
  json(status, { error: { code, message, requestId: 'r' } });

export type Route = (request: Request) => Response | Promise<Response>;

export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: string;
  auth: string | null;
}

/**
 * Renders the app at `path` over a fake gateway: `routes` by `METHOD /path`, `GET /alerts` an empty page
 * unless given, `/me/events` open forever, anything else 404. Signed in as `signedInAs` from the start;
 * without it, signed out (a test can `services.session.accept(session)` later).
 */
export function renderApp(
  path: string,
  routes: Record<string, Route>,
  signedInAs?: 'user' | 'admin',
  options: { push?: PushPlatform } = {},
) {
  const seen: SeenRequest[] = [];
  const services = createAppServices({
    origin,
    locks: undefined,
    ...(options.push && { push: options.push }),
    fetch: async (request) => {
      const url = new URL(request.url);
      seen.push({
        method: request.method,
        path: url.pathname,
        query: url.searchParams,
        body: await request.clone().text(),
        auth: request.headers.get('authorization'),
      });
      const route = routes[`${request.method} ${url.pathname}`];
      if (route) return route(request);
      if (url.pathname === '/alerts') return emptyPage();
      if (url.pathname === '/me/events') return new Promise<Response>(() => {});
      return json(404, { error: { code: 'NOT_FOUND', message: 'not found', requestId: 'r' } });
    },
  });
  if (signedInAs) services.session.accept(sessionFor(signedInAs));
  render(
    <AppProviders services={services}>
      <MemoryRouter initialEntries={[path]}>
        <AppRoutes />
      </MemoryRouter>
    </AppProviders>,
  );
  /** The JSON bodies sent to one route, in order. */
  const sent = (method: string, routePath: string): unknown[] =>
    seen
      .filter((r) => r.method === method && r.path === routePath)
      .map((r) => (r.body ? JSON.parse(r.body) : undefined));
  return { services, seen, sent };
}
