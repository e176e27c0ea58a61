import { describe, expect, it } from 'vitest';
import { SessionStore } from './session';

const origin = 'http://cartwatch.test';

function session(user = 'ada') {
  return {
    user: {
      id: '0190a0b0-0000-7000-8000-000000000001',
      email: `${user}@example.com`,
      emailVerified: true,
      displayName: user,
      phone: null,
      role: 'user' as const,
      retailer: null,
      secondFactor: null,
      createdAt: '2026-01-01T00:00:00.000Z',
    },
    tokens: {
      accessToken: `access-${user}`,
      tokenType: 'Bearer' as const,
      expiresIn: 900,
      refreshToken: 'never-used-by-the-app',
      refreshExpiresAt: '2026-01-08T00:00:00.000Z',
    },
  };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/** A fake gateway: records requests; answers by path. */
function fakeNetwork(answer: (request: Request, seen: Request[]) => Response | Promise<Response>) {
  const seen: Request[] = [];
  return {
    seen,
    fetch: async (request: Request) => {
      seen.push(request.clone());
      return answer(request, seen);
    },
  };
}

describe('SessionStore', () => {
  it('refreshes from the cookie with an empty body and keeps only the access token', async () => {
    const network = fakeNetwork(() => json(200, session()));
    const store = new SessionStore({ fetch: network.fetch, origin, locks: undefined });
    expect(await store.refresh()).toBe(true);
    const [refresh] = network.seen;
    expect(refresh?.url).toBe(`${origin}/auth/refresh`);
    expect(refresh?.method).toBe('POST');
    expect(refresh?.credentials).toBe('same-origin');
    expect(await refresh?.text()).toBe('{}');
    expect(store.token).toBe('access-ada');
    expect(store.getState()).toMatchObject({ status: 'signed-in', user: { displayName: 'ada' } });
  });

  it('is signed out when the refresh cookie is refused', async () => {
    const network = fakeNetwork(() =>
      json(401, { error: { code: 'UNAUTHENTICATED', message: 'no', requestId: 'r' } }),
    );
    const store = new SessionStore({ fetch: network.fetch, origin, locks: undefined });
    expect(await store.refresh()).toBe(false);
    expect(store.getState().status).toBe('signed-out');
    expect(store.token).toBeUndefined();
  });

  it('sends one refresh for concurrent callers', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const network = fakeNetwork(async () => {
      await gate;
      return json(200, session());
    });
    const store = new SessionStore({ fetch: network.fetch, origin, locks: undefined });
    const results = Promise.all([store.refresh(), store.refresh(), store.refresh()]);
    release();
    expect(await results).toEqual([true, true, true]);
    expect(network.seen).toHaveLength(1);
  });

  it('adds the bearer token, and on a 401 refreshes once and repeats the request with the new token', async () => {
    let refreshes = 0;
    const network = fakeNetwork((request) => {
      const path = new URL(request.url).pathname;
      if (path === '/auth/refresh') {
        refreshes += 1;
        return json(200, session('ada-renewed'));
      }
      return request.headers.get('authorization') === 'Bearer access-ada-renewed'
        ? json(200, { ok: true })
        : json(401, { error: { code: 'UNAUTHENTICATED', message: 'expired', requestId: 'r' } });
    });
    const store = new SessionStore({ fetch: network.fetch, origin, locks: undefined });
    store.accept(session('ada'));
    const response = await store.fetch(
      new Request(`${origin}/receipts/text`, { method: 'POST', body: '{"text":"MILK 1.99"}' }),
    );
    expect(response.status).toBe(200);
    expect(refreshes).toBe(1);
    const [first, , retried] = network.seen;
    expect(first?.headers.get('authorization')).toBe('Bearer access-ada');
    expect(retried?.headers.get('authorization')).toBe('Bearer access-ada-renewed');
    expect(await retried?.text()).toBe('{"text":"MILK 1.99"}');
  });

  it('gives up after one refresh: a second 401 is returned and the session is signed out', async () => {
    const network = fakeNetwork(() =>
      json(401, { error: { code: 'UNAUTHENTICATED', message: 'no', requestId: 'r' } }),
    );
    const store = new SessionStore({ fetch: network.fetch, origin, locks: undefined });
    store.accept(session());
    const response = await store.fetch(new Request(`${origin}/purchases`));
    expect(response.status).toBe(401);
    expect(network.seen.map((request) => new URL(request.url).pathname)).toEqual([
      '/purchases',
      '/auth/refresh',
    ]);
    expect(store.getState().status).toBe('signed-out');
  });

  it('never sends the access token with public data or credential requests', async () => {
    const network = fakeNetwork(() => json(200, {}));
    const store = new SessionStore({ fetch: network.fetch, origin, locks: undefined });
    store.accept(session());
    await store.fetch(new Request(`${origin}/public/inflation`));
    await store.fetch(new Request(`${origin}/auth/login`, { method: 'POST', body: '{}' }));
    await store.fetch(new Request(`${origin}/alerts`));
    expect(network.seen.map((request) => request.headers.get('authorization'))).toEqual([
      null,
      null,
      'Bearer access-ada',
    ]);
  });

  it('serializes refreshes through the cross-tab lock', async () => {
    const held: string[] = [];
    const locks = {
      request: (async (name: string, callback: () => Promise<unknown>) => {
        held.push(name);
        return callback();
      }) as unknown as LockManager['request'],
    };
    const store = new SessionStore({ fetch: fakeNetwork(() => json(200, session())).fetch, origin, locks });
    await store.refresh();
    expect(held).toEqual(['cartwatch-refresh']);
  });
});
