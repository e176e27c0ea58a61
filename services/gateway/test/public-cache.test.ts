/**
 * The one cache of /public/*: a recording upstream shows which requests really reached the service.
 * Time is moved with an injected clock, never waited for. A service's purge empties a route at once.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { TEST_SERVICE_KEY, type TestDatabase } from '@cartwatch/testing';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DB } from '../src/db/schema.js';
import { createGatewayDatabase, createTestGateway, mintAccessToken, type TestGateway } from './harness.js';

interface Seen {
  url: string;
  userId: string | undefined;
}
const seen: Seen[] = [];
let upstream: http.Server;
let upstreamUrl: string;
let database: TestDatabase<DB>;
let now = Date.now();

beforeAll(async () => {
  upstream = http.createServer((req, res) => {
    req.resume();
    seen.push({ url: req.url ?? '', userId: req.headers['x-user-id'] as string | undefined });
    const url = req.url ?? '';
    if (url.includes('missing')) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":{"code":"NOT_FOUND"}}');
      return;
    }
    const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/json', 'x-upstream': 'yes' };
    if (url.includes('private')) headers['cache-control'] = 'private';
    res.writeHead(200, headers);
    // Every answer differs, so a served copy is recognisable.
    res.end(JSON.stringify({ url, answer: seen.length, for: req.headers['x-user-id'] ?? null }));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  database = await createGatewayDatabase();
});

afterAll(async () => {
  upstream.closeAllConnections();
  await new Promise((resolve) => upstream.close(resolve));
  await database.drop();
});

beforeEach(() => {
  seen.length = 0;
});

/** Runs `test` against a gateway whose public routes go to the recording upstream, then closes it. */
async function withGateway(env: Record<string, string>, test: (gw: TestGateway) => Promise<void>) {
  const gw = await createTestGateway(
    database,
    { PRICE_WATCH_URL: upstreamUrl, SHRINKFLATION_URL: upstreamUrl, PUBLIC_CACHE_TTL_SECONDS: '30', ...env },
    { now: () => now },
  );
  try {
    await test(gw);
  } finally {
    await gw.close();
  }
}

describe.each([
  ['Redis', {}],
  ['memory (no REDIS_URL)', { REDIS_URL: '' }],
])('public cache in %s', (_store, env) => {
  it('serves the second anonymous GET from the cache with Cache-Control and a strong ETag', async () => {
    await withGateway(env, async (gw) => {
      const first = await request(gw.app).get('/public/inflation?region=us');
      expect(first.status).toBe(200);
      expect(first.headers['x-cache']).toBe('MISS');
      expect(first.headers['cache-control']).toBe('public, no-cache');
      expect(first.headers.etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
      expect(first.headers['content-type']).toMatch(/application\/json/);
      const second = await request(gw.app).get('/public/inflation?region=us');
      expect(second.status).toBe(200);
      expect(second.headers['x-cache']).toBe('HIT');
      expect(second.headers.etag).toBe(first.headers.etag);
      expect(second.text).toBe(first.text);
      expect(second.headers['x-request-id']).not.toBe(first.headers['x-request-id']);
      expect(seen.map((entry) => entry.url)).toEqual(['/public/inflation?region=us']);
    });
  });

  it('answers 304 without a body to a matching If-None-Match, without asking the service', async () => {
    await withGateway(env, async (gw) => {
      const first = await request(gw.app).get('/public/trends/p1');
      const etag = String(first.headers.etag);
      const fresh = await request(gw.app).get('/public/trends/p1').set('If-None-Match', `"other", ${etag}`);
      expect(fresh.status).toBe(304);
      expect(fresh.text).toBe('');
      expect(fresh.headers.etag).toBe(etag);
      expect(fresh.headers['x-cache']).toBe('HIT');
      const changed = await request(gw.app).get('/public/trends/p1').set('If-None-Match', '"stale"');
      expect(changed.status).toBe(200);
      expect(seen).toHaveLength(1);
    });
  });

  it('never stores non-200 answers or private ones', async () => {
    await withGateway(env, async (gw) => {
      for (let i = 0; i < 2; i++) {
        const missing = await request(gw.app).get('/public/trends/missing');
        expect(missing.status).toBe(404);
        expect(missing.headers['x-cache']).toBe('MISS');
        expect(missing.headers.etag).toBeUndefined();
        expect((await request(gw.app).get('/public/trends/private')).headers['x-cache']).toBe('MISS');
      }
      expect(seen).toHaveLength(4);
    });
  });

  it('asks the service again once the entry is older than the TTL', async () => {
    await withGateway(env, async (gw) => {
      await request(gw.app).get('/public/shrinkflation');
      now += 10_000;
      const hit = await request(gw.app).get('/public/shrinkflation');
      expect(hit.headers['x-cache']).toBe('HIT');
      expect(hit.headers['cache-control']).toBe('public, no-cache');
      now += 20_000;
      const expired = await request(gw.app).get('/public/shrinkflation');
      expect(expired.headers['x-cache']).toBe('MISS');
      expect(seen).toHaveLength(2);
    });
  });

  it('caches each query string separately', async () => {
    await withGateway(env, async (gw) => {
      const a = await request(gw.app).get('/public/store-comparison?product=a');
      const b = await request(gw.app).get('/public/store-comparison?product=b');
      expect(b.text).not.toBe(a.text);
      expect((await request(gw.app).get('/public/store-comparison?product=a')).text).toBe(a.text);
      expect((await request(gw.app).get('/public/store-comparison?product=b')).text).toBe(b.text);
      expect(seen.map((entry) => entry.url)).toEqual([
        '/public/store-comparison?product=a',
        '/public/store-comparison?product=b',
      ]);
    });
  });

  it('bypasses the cache for a request with a token: forwarded with identity, never stored or served to others', async () => {
    await withGateway(env, async (gw) => {
      const alice = { id: '0192f9b4-6f3c-7c1e-9d0a-4a5b6c7d8e11' };
      const token = await mintAccessToken(alice);
      for (let i = 0; i < 2; i++) {
        const identified = await request(gw.app)
          .get('/public/trends/p2')
          .set('Authorization', `Bearer ${token}`);
        expect(identified.headers['x-cache']).toBe('BYPASS');
        expect(identified.body.for).toBe(alice.id);
      }
      const anonymous = await request(gw.app).get('/public/trends/p2');
      expect(anonymous.headers['x-cache']).toBe('MISS');
      expect(anonymous.body.for).toBeNull();
      expect(seen.map((entry) => entry.userId)).toEqual([alice.id, alice.id, undefined]);
    });
  });

  it('drops every answer of a route at once when a service purges it, and only that route', async () => {
    await withGateway(env, async (gw) => {
      const get = (path: string) => request(gw.app).get(path);
      const before = await get('/public/shrinkflation');
      await get('/public/shrinkflation?category=snacks');
      await get('/public/inflation');
      expect((await get('/public/shrinkflation')).headers['x-cache']).toBe('HIT');

      await request(gw.app)
        .post('/internal/public-cache/purge')
        .set('X-Service-Key', TEST_SERVICE_KEY)
        .send({ route: '/public/shrinkflation' })
        .expect(204);

      // Within the TTL (the clock did not move): only the purge can have emptied them.
      const after = await get('/public/shrinkflation');
      expect(after.headers['x-cache']).toBe('MISS');
      expect(after.text).not.toBe(before.text);
      expect((await get('/public/shrinkflation?category=snacks')).headers['x-cache']).toBe('MISS');
      expect((await get('/public/inflation')).headers['x-cache']).toBe('HIT');
      expect(seen.map((entry) => entry.url)).toEqual([
        '/public/shrinkflation',
        '/public/shrinkflation?category=snacks',
        '/public/inflation',
        '/public/shrinkflation',
        '/public/shrinkflation?category=snacks',
      ]);
    });
  });

  it('refuses a purge without the service key, and of a route that is not public', async () => {
    await withGateway(env, async (gw) => {
      await request(gw.app).get('/public/shrinkflation');
      const purge = () => request(gw.app).post('/internal/public-cache/purge');
      const unkeyed = await purge().send({ route: '/public/shrinkflation' }).expect(401);
      expect(unkeyed.body.error.code).toBe('UNAUTHENTICATED');
      await purge().set('X-Service-Key', 'x'.repeat(40)).send({ route: '/public/shrinkflation' }).expect(401);
      const notPublic = await purge()
        .set('X-Service-Key', TEST_SERVICE_KEY)
        .send({ route: '/shrinkflation' })
        .expect(400);
      expect(notPublic.body.error.details.issues).toEqual([
        expect.objectContaining({ path: 'route', message: 'not a public route prefix' }),
      ]);
      expect((await request(gw.app).get('/public/shrinkflation')).headers['x-cache']).toBe('HIT');
    });
  });
});

describe('public cache scope', () => {
  it('caches only GETs of public routes, and nothing with PUBLIC_CACHE_TTL_SECONDS=0', async () => {
    await withGateway({ PUBLIC_CACHE_TTL_SECONDS: '0' }, async (gw) => {
      await request(gw.app).get('/public/inflation');
      const second = await request(gw.app).get('/public/inflation');
      expect(second.headers['x-cache']).toBeUndefined();
      expect(seen).toHaveLength(2);
    });
    await withGateway({}, async (cached) => {
      seen.length = 0;
      await request(cached.app).post('/public/inflation').send({});
      await request(cached.app).post('/public/inflation').send({});
      expect(seen).toHaveLength(2);
    });
  });
});
