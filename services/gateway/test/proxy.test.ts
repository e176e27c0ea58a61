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

function gatewayApp(overrides: Record<string, string>): { app: Express; close: () => Promise<void> } {
  const { databaseUrl, natsUrl } = testEnv();
  const urls = Object.fromEntries(upstreamServices.map((name) => [services[name].urlEnv, upstreamUrl]));
  return createAppFromEnv(serviceDefinition, {
    SERVICE_KEY: TEST_SERVICE_KEY,
    DATABASE_URL: databaseUrl,
    NATS_URL: natsUrl,
    LOG_LEVEL: 'silent',
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

beforeEach(() => {
  recorded.length = 0;
  upstreamDelayMs = 0;
});

describe('gateway proxy', () => {
  it('never forwards client-sent identity, service or device headers, and injects its own key', async () => {
    const { app, close } = gatewayApp({});
    try {
      const response = await request(app)
        .post('/purchases/search?text=milk')
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
      const forged = Object.keys(seen?.headers ?? {}).filter(
        (name) =>
          /^x-(user|device)-/.test(name) || (name.startsWith('x-service-') && name !== 'x-service-key'),
      );
      expect(forged).toEqual([]);
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
        expect((await request(app).get(path)).status).toBe(200);
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
      const response = await request(app).get('/orders');
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
      const response = await request(app).get('/coupons');
      expect(response.status).toBe(504);
      expect(response.body.error).toMatchObject({ code: 'UPSTREAM_TIMEOUT' });
    } finally {
      await close();
    }
  });
});
