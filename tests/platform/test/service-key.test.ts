/**
 * docs/architecture.md#request-path: a service answers every route except /health only with the right X-Service-Key; /ready
 * and /metrics are served by its management app (the management port), not by the service's own port. Parameterized over every service and every path prefix it owns in the route table, so
 * routes added by later issues are covered without touching this file.
 */
import { routeTable, type ServiceName, serviceNames, upstreamServices } from '@cartwatch/common-types';
import { newUserId, TEST_SERVICE_KEY, testEnv } from '@cartwatch/testing';
import type { Express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApps } from './services.js';

const methods = ['get', 'post', 'put', 'patch', 'delete'] as const;
const wrongKeys = {
  'a wrong key of the same length': `${TEST_SERVICE_KEY.slice(0, -1)}${TEST_SERVICE_KEY.endsWith('x') ? 'y' : 'x'}`,
  'a shorter key': TEST_SERVICE_KEY.slice(0, 8),
  'an empty key': '',
};

const apps = new Map<ServiceName, Express>();
const managementApps = new Map<ServiceName, Express>();
const closers: Array<() => Promise<void>> = [];

beforeAll(() => {
  const { databaseUrl, natsUrl } = testEnv();
  const env = {
    SERVICE_KEY: TEST_SERVICE_KEY,
    DATABASE_URL: databaseUrl,
    NATS_URL: natsUrl,
    LOG_LEVEL: 'silent',
  };
  for (const name of serviceNames) {
    const { app, managementApp, close } = buildApps[name](env);
    apps.set(name, app);
    managementApps.set(name, managementApp);
    closers.push(close);
  }
});

afterAll(async () => {
  await Promise.all(closers.map((close) => close()));
});

function appOf(name: ServiceName): Express {
  const app = apps.get(name);
  if (!app) throw new Error(`no app for ${name}`);
  return app;
}

function pathsOwnedBy(name: ServiceName): string[] {
  const prefixes = routeTable.filter((route) => route.service === name).map((route) => route.prefix);
  return [
    ...prefixes,
    ...prefixes.map((prefix) => `${prefix}/0192f9b4-6f3c-7c1e-9d0a-4a5b6c7d8e9f`),
    '/internal/ping',
    '/',
  ];
}

describe.each(upstreamServices)('%s requires X-Service-Key', (name) => {
  const paths = pathsOwnedBy(name);

  it.each(methods)(
    'answers 401 UNAUTHENTICATED to %s without a key on every route it owns',
    async (method) => {
      for (const path of paths) {
        const response = await request(appOf(name))
          [method](path)
          .set('X-User-Id', newUserId())
          .set('X-User-Role', 'admin');
        expect({ path, status: response.status, code: response.body?.error?.code }).toEqual({
          path,
          status: 401,
          code: 'UNAUTHENTICATED',
        });
        expect(response.body.error.requestId).toEqual(expect.any(String));
      }
    },
  );

  it.each(Object.entries(wrongKeys))('answers 401 with %s', async (_label, key) => {
    for (const path of paths) {
      const response = await request(appOf(name)).get(path).set('X-Service-Key', key);
      expect({ path, status: response.status }).toEqual({ path, status: 401 });
    }
  });

  it('lets the right key through to the routes (404 for a path nobody serves)', async () => {
    const response = await request(appOf(name)).get('/no-such-route').set('X-Service-Key', TEST_SERVICE_KEY);
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('NOT_FOUND');
  });

  it('serves /health without a key, and /metrics only on the management port', async () => {
    expect((await request(appOf(name)).get('/health')).status).toBe(200);
    const management = managementApps.get(name);
    if (!management) throw new Error(`no management app for ${name}`);
    const metrics = await request(management).get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain('process_cpu_user_seconds_total');
    const onServicePort = await request(appOf(name)).get('/metrics').set('X-Service-Key', TEST_SERVICE_KEY);
    expect(onServicePort.status).toBe(404);
  });
});

describe('gateway', () => {
  it('never exposes /internal/* to clients, with or without a key', async () => {
    for (const key of [undefined, TEST_SERVICE_KEY]) {
      const call = request(appOf('gateway')).get('/internal/ping');
      const response = key ? await call.set('X-Service-Key', key) : await call;
      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe('NOT_FOUND');
    }
  });

  it('serves /health without any key', async () => {
    const response = await request(appOf('gateway')).get('/health');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok' });
  });
});
