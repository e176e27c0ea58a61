/**
 * The gateway proxies the route table with header hygiene: a recording upstream shows what a service
 * really receives. Upstream failures come back in the error shape, never as an HTML page.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { services, upstreamServices } from '@cartwatch/common-types';
import { createAppFromEnv } from '@cartwatch/service-runtime';
import { TEST_SERVICE_KEY, testEnv } from '@cartwatch/testing';
import type { Express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { serviceDefinition } from '../src/service.js';
import { mintAccessToken, signingKey } from './harness.js';

interface Recorded {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const recorded: Recorded[] = [];
let upstream: http.Server;
let upstreamUrl: string;
let upstreamDelayMs = 0;

function gatewayApp(overrides: Record<string, string>): {
  app: Express;
  managementApp: Express;
  close: () => Promise<void>;
} {
  const { databaseUrl, natsUrl } = testEnv();
  const urls = Object.fromEntries(upstreamServices.map((name) => [services[name].urlEnv, upstreamUrl]));
  return createAppFromEnv(serviceDefinition, {
    SERVICE_KEY: TEST_SERVICE_KEY,
    DATABASE_URL: databaseUrl,
    NATS_URL: natsUrl,
    LOG_LEVEL: 'silent',
    JWT_SIGNING_KEYS: JSON.stringify([signingKey]),
    ...urls,
    ...overrides,
  });
}

beforeAll(async () => {
  upstream = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    req.on('end', () => {
      recorded.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: true }));
      }, upstreamDelayMs);
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});

afterAll(async () => {
  upstream.closeAllConnections();
  await new Promise((resolve) => upstream.close(resolve));
});

const alice = { id: '0192f9b4-6f3c-7c1e-9d0a-4a5b6c7d8e01', role: 'user' as const };
let aliceToken: string;

beforeEach(async () => {
  recorded.length = 0;
  upstreamDelayMs = 0;
  aliceToken ??= await mintAccessToken(alice);
});

describe('gateway proxy', () => {
  it('never forwards client-sent identity, service or device headers, and injects its own key and the token identity', async () => {
    const { app, close } = gatewayApp({});
    try {
      const response = await request(app)
        .post('/purchases/search?text=milk')
        .set('Authorization', `Bearer ${aliceToken}`)
        .set('X-User-Id', '0192f9b4-6f3c-7c1e-9d0a-4a5b6c7d8e9f')
        .set('X-User-Role', 'admin')
        .set('X-Service-Key', 'forged-by-the-client-000000000000000000')
        .set('X-Service-Name', 'orders')
        .set('X-Device-Id', 'cwd_forged')
        .set('X-Request-Id', 'trace-123')
        .send({ hello: 'world' });
      expect(response.status).toBe(200);
      expect(recorded).toHaveLength(1);
      const [seen] = recorded;
      expect(seen?.url).toBe('/purchases/search?text=milk');
      expect(seen?.body).toBe('{"hello":"world"}');
      expect(seen?.headers['x-service-key']).toBe(TEST_SERVICE_KEY);
      expect(seen?.headers['x-request-id']).toBe('trace-123');
      expect(seen?.headers['x-user-id']).toBe(alice.id);
      expect(seen?.headers['x-user-role']).toBe('user');
      const forged = Object.keys(seen?.headers ?? {}).filter(
        (name) =>
          /^x-device-/.test(name) ||
          (name.startsWith('x-user-') && !['x-user-id', 'x-user-role'].includes(name)) ||
          (name.startsWith('x-service-') && name !== 'x-service-key'),
      );
      expect(forged).toEqual([]);
    } finally {
      await close();
    }
  });

  it('gives proxied answers the request id, the security headers of its own routes, and a latency metric', async () => {
    const { app, managementApp, close } = gatewayApp({});
    try {
      const proxied = await request(app).get('/orders?limit=5').set('Authorization', `Bearer ${aliceToken}`);
      expect(proxied.status).toBe(200);
      const requestId = proxied.headers['x-request-id'];
      expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(recorded[0]?.headers['x-request-id']).toBe(requestId);
      const own = await request(app).get('/.well-known/jwks.json');
      for (const name of [
        'content-security-policy',
        'strict-transport-security',
        'x-content-type-options',
        'cross-origin-resource-policy',
        'x-frame-options',
      ]) {
        expect(own.headers[name]).toBeDefined();
        expect(proxied.headers[name]).toBe(own.headers[name]);
      }
      const metrics = await request(managementApp).get('/metrics');
      expect(metrics.text).toMatch(
        /http_request_duration_seconds_count\{service="gateway",method="GET",route="\/orders",status="200"\} 1/,
      );
      // A refused request is answered, logged and counted by the express stack, in the error shape.
      const refused = await request(app).get('/orders').set('X-Request-Id', 'trace-401');
      expect(refused.status).toBe(401);
      expect(refused.body.error).toMatchObject({ code: 'UNAUTHENTICATED', requestId: 'trace-401' });
      expect(refused.headers['x-content-type-options']).toBe('nosniff');
      expect((await request(managementApp).get('/metrics')).text).toMatch(
        /http_request_duration_seconds_count\{service="gateway",method="GET",route="<unmatched>",status="401"\} 1/,
      );
    } finally {
      await close();
    }
  });

  it('sends each route-table prefix to its owning service', async () => {
    const { app, close } = gatewayApp({});
    try {
      for (const path of [
        '/stores',
        '/products/abc',
        '/public/inflation',
        '/shrinkflation',
        '/coupons',
        '/cart',
        '/device/heartbeat',
      ]) {
        expect((await request(app).get(path).set('Authorization', `Bearer ${aliceToken}`)).status).toBe(200);
      }
      expect(recorded.map((entry) => entry.url)).toEqual([
        '/stores',
        '/products/abc',
        '/public/inflation',
        '/shrinkflation',
        '/coupons',
        '/cart',
        '/device/heartbeat',
      ]);
    } finally {
      await close();
    }
  });

  it('answers 404 in the error shape for /internal/* and unknown paths, without proxying', async () => {
    const { app, close } = gatewayApp({});
    try {
      for (const path of ['/internal/products/resolve', '/nope']) {
        const response = await request(app).get(path).set('X-Service-Key', TEST_SERVICE_KEY);
        expect(response.status).toBe(404);
        expect(response.body.error).toMatchObject({ code: 'NOT_FOUND', requestId: expect.any(String) });
      }
      expect(recorded).toHaveLength(0);
    } finally {
      await close();
    }
  });

  it('answers 503 UPSTREAM_UNAVAILABLE JSON when the service is down', async () => {
    const { app, close } = gatewayApp({ ORDERS_URL: 'http://127.0.0.1:1' });
    try {
      const response = await request(app).get('/orders').set('Authorization', `Bearer ${aliceToken}`);
      expect(response.status).toBe(503);
      expect(response.headers['content-type']).toMatch(/application\/json/);
      expect(response.body.error).toMatchObject({
        code: 'UPSTREAM_UNAVAILABLE',
        requestId: expect.any(String),
      });
    } finally {
      await close();
    }
  });

  it('answers 504 UPSTREAM_TIMEOUT JSON when the service is too slow', async () => {
    upstreamDelayMs = 1_500;
    const { app, close } = gatewayApp({ UPSTREAM_TIMEOUT_MS: '300' });
    try {
      const response = await request(app).get('/coupons').set('Authorization', `Bearer ${aliceToken}`);
      expect(response.status).toBe(504);
      expect(response.body.error).toMatchObject({ code: 'UPSTREAM_TIMEOUT' });
    } finally {
      await close();
    }
  });

  it('answers 401 without a valid token on user routes and never proxies them', async () => {
    const { app, close } = gatewayApp({});
    try {
      const anonymous = await request(app).get('/purchases').set('X-User-Id', alice.id);
      expect(anonymous.status).toBe(401);
      expect(anonymous.body.error.code).toBe('UNAUTHENTICATED');
      const garbage = await request(app).get('/purchases').set('Authorization', 'Bearer not.a.token');
      expect(garbage.status).toBe(401);
      expect(recorded).toHaveLength(0);
    } finally {
      await close();
    }
  });

  it('passes device and public routes without a token, asserting no identity, and forwards a valid one on public routes', async () => {
    const { app, close } = gatewayApp({});
    try {
      await request(app)
        .post('/device/heartbeat')
        .set('Authorization', 'Device cwd_key_123')
        .set('X-User-Id', alice.id)
        .set('X-Device-Id', 'forged')
        .expect(200);
      await request(app).get('/public/inflation').set('X-User-Id', alice.id).expect(200);
      await request(app).get('/public/inflation').set('Authorization', `Bearer ${aliceToken}`).expect(200);
      const [device, anonymous, identified] = recorded;
      expect(device?.headers.authorization).toBe('Device cwd_key_123');
      expect(device?.headers['x-user-id']).toBeUndefined();
      expect(device?.headers['x-device-id']).toBeUndefined();
      expect(anonymous?.headers['x-user-id']).toBeUndefined();
      expect(identified?.headers['x-user-id']).toBe(alice.id);
    } finally {
      await close();
    }
  });

  it('limits requests per user with 429 and Retry-After', async () => {
    const { app, close } = gatewayApp({ RATE_LIMIT_USER_PER_MINUTE: '2' });
    try {
      const token = await mintAccessToken({ id: '0192f9b4-6f3c-7c1e-9d0a-4a5b6c7d8e02' });
      await request(app).get('/orders').set('Authorization', `Bearer ${token}`).expect(200);
      await request(app).get('/orders').set('Authorization', `Bearer ${token}`).expect(200);
      const limited = await request(app).get('/orders').set('Authorization', `Bearer ${token}`);
      expect(limited.status).toBe(429);
      expect(limited.body.error.code).toBe('RATE_LIMITED');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      // Another user is unaffected.
      await request(app).get('/orders').set('Authorization', `Bearer ${aliceToken}`).expect(200);
    } finally {
      await close();
    }
  });

  it('answers CORS only for allow-listed origins, preflights included, without proxying them', async () => {
    const { app, close } = gatewayApp({ CORS_ORIGINS: 'https://app.cartwatch.example' });
    try {
      const preflight = await request(app)
        .options('/orders')
        .set('Origin', 'https://app.cartwatch.example')
        .set('Access-Control-Request-Method', 'POST');
      expect(preflight.status).toBe(204);
      expect(preflight.headers['access-control-allow-origin']).toBe('https://app.cartwatch.example');
      expect(preflight.headers['access-control-allow-credentials']).toBe('true');
      const foreign = await request(app).get('/.well-known/jwks.json').set('Origin', 'https://evil.example');
      expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
      expect(recorded).toHaveLength(0);
    } finally {
      await close();
    }
  });
});
