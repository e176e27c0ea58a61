/**
 * Whole-account export (issue #22): POST /me/export only queues the job; the export worker builds it
 * afterwards from every owning service's internal export route (loopback stand-ins here, the real
 * services in tests/e2e), retries a failing service with backoff and then fails with the reason, and
 * serves the zip from Postgres to its owner only.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { services } from '@cartwatch/common-types';
import { TEST_SERVICE_KEY, type TestDatabase, uniqueEmail } from '@cartwatch/testing';
import { strFromU8, unzipSync } from 'fflate';
import { sql } from 'kysely';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../src/db/schema.js';
import { createExportWorker } from '../src/export/export-worker.factory.js';
import type { ExportWorker } from '../src/export/export-worker.js';
import { createGatewayDatabase, createTestGateway, type TestGateway } from './harness.js';

const PASSWORD = 'correct horse battery staple';
const exportingServices = ['receipt-ingest', 'price-watch', 'coupon', 'orders'] as const;
type Exporting = (typeof exportingServices)[number];

interface Seen {
  service: Exporting;
  path: string;
  serviceKey: string | undefined;
}

/** One loopback stand-in per service: answers each user's export, or fails as told. */
async function startServices() {
  const seen: Seen[] = [];
  /** service -> user id -> statuses to answer in turn before answering normally (0 = fail for ever). */
  const failures = new Map<string, number[]>();
  const data = (service: Exporting, userId: string): unknown => {
    switch (service) {
      case 'receipt-ingest':
        return {
          purchases: [{ id: `p-${userId}`, storeSlug: 'fresh-mart', items: [{ name: 'Milk' }] }],
          storeAccounts: [{ storeSlug: 'ref-mart', status: 'connected' }],
        };
      case 'price-watch':
        return {
          watches: [{ id: `w-${userId}` }],
          alerts: [{ id: 'a1' }],
          alertSettings: { dropPercent: 10 },
        };
      case 'coupon':
        return { lists: [{ id: 'l1', name: 'Weekly', items: [] }], clippedCoupons: [] };
      case 'orders':
        return { orders: [{ id: 'o1', status: 'PAID', items: [] }] };
    }
  };
  const servers = await Promise.all(
    exportingServices.map(async (service) => {
      const server = http.createServer((req, res) => {
        const path = req.url ?? '';
        seen.push({ service, path, serviceKey: req.headers['x-service-key'] as string | undefined });
        const userId = /^\/internal\/users\/([^/]+)\//.exec(path)?.[1] ?? '';
        const script = failures.get(`${service}:${userId}`);
        const status = script?.[0] === 0 ? 503 : script?.shift();
        if (status !== undefined) {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              error: { code: 'UPSTREAM_UNAVAILABLE', message: 'database down', requestId: 'x' },
            }),
          );
          return;
        }
        if (service === 'receipt-ingest' && path.endsWith('/purchases.csv')) {
          res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8' });
          res.end(
            `receipt_id,store,purchased_at,name,unit_price\nR1,fresh-mart,2026-11-01T10:00:00.000Z,Milk for ${userId},3.49\n`,
          );
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(data(service, userId)));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return { service, server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
    }),
  );
  return {
    seen,
    failures,
    env: Object.fromEntries(servers.map(({ service, url }) => [services[service].urlEnv, url])),
    async close() {
      for (const { server } of servers) {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    },
  };
}

let database: TestDatabase<DB>;
let gateway: TestGateway;
let worker: ExportWorker;
let upstream: Awaited<ReturnType<typeof startServices>>;

beforeAll(async () => {
  database = await createGatewayDatabase();
  upstream = await startServices();
  gateway = await createTestGateway(database, {
    ...upstream.env,
    EXPORT_MAX_PER_DAY: '3',
    EXPORT_MAX_ATTEMPTS: '2',
    EXPORT_RETRY_BASE_MS: '10',
    EXPORT_RETRY_MAX_MS: '20',
  });
  worker = createExportWorker(gateway.context);
});
afterAll(async () => {
  await worker.stop();
  await gateway.close();
  await upstream.close();
  await database.drop();
});

async function signUp(): Promise<{ id: string; email: string; auth: { Authorization: string } }> {
  const email = uniqueEmail();
  const response = await request(gateway.app)
    .post('/auth/register')
    .send({ email, password: PASSWORD, displayName: 'Exporter' })
    .expect(201);
  return {
    id: response.body.user.id,
    email,
    auth: { Authorization: `Bearer ${response.body.tokens.accessToken}` },
  };
}

/** Runs the worker until the export is no longer queued or running (retries are due within ms). */
async function settle(auth: { Authorization: string }, id: string) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    await worker.drain();
    const status = await request(gateway.app).get(`/me/export/${id}`).set(auth).expect(200);
    if (!['queued', 'running'].includes(status.body.status)) return status.body;
    if (Date.now() > deadline) throw new Error(`export ${id} still ${status.body.status}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function download(auth: { Authorization: string }, id: string) {
  return request(gateway.app)
    .get(`/me/export/${id}/download`)
    .set(auth)
    .buffer(true)
    .parse((res, callback) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => callback(null, Buffer.concat(chunks)));
    });
}

describe('account export', () => {
  it('queues on POST, builds the zip in the worker afterwards, and serves it to its owner', async () => {
    const alice = await signUp();
    const created = await request(gateway.app).post('/me/export').set(alice.auth).expect(202);
    expect(created.headers.location).toBe(`/me/export/${created.body.id}`);
    expect(created.body).toMatchObject({
      status: 'queued',
      progress: { done: 0, total: 6 },
      attempts: 0,
      error: null,
      expiresAt: null,
    });
    // Nothing is collected by the request itself.
    expect(upstream.seen.filter((s) => s.path.includes(alice.id))).toEqual([]);
    await request(gateway.app).get(`/me/export/${created.body.id}/download`).set(alice.auth).expect(409);

    const done = await settle(alice.auth, created.body.id);
    expect(done).toMatchObject({
      status: 'ready',
      progress: { done: 6, total: 6 },
      attempts: 1,
      error: null,
    });
    expect(done.sizeBytes).toBeGreaterThan(0);
    const retention = Date.parse(done.expiresAt) - Date.parse(done.finishedAt);
    expect(retention).toBeGreaterThan(23 * 3_600_000);
    expect(retention).toBeLessThanOrEqual(24 * 3_600_000 + 1_000);

    const calls = upstream.seen.filter((s) => s.path.includes(alice.id));
    expect(calls.map((c) => `${c.service} ${c.path}`).sort()).toEqual(
      [
        `coupon /internal/users/${alice.id}/export`,
        `orders /internal/users/${alice.id}/export`,
        `price-watch /internal/users/${alice.id}/export`,
        `receipt-ingest /internal/users/${alice.id}/export`,
        `receipt-ingest /internal/users/${alice.id}/purchases.csv`,
      ].sort(),
    );
    expect(calls.every((c) => c.serviceKey === TEST_SERVICE_KEY)).toBe(true);

    const zip = await download(alice.auth, created.body.id).expect(200);
    expect(zip.headers['content-type']).toBe('application/zip');
    expect(zip.headers['content-disposition']).toMatch(
      /^attachment; filename="cartwatch-export-\d{4}-\d{2}-\d{2}\.zip"$/,
    );
    const files = unzipSync(new Uint8Array(zip.body as Buffer));
    expect(Object.keys(files).sort()).toEqual([
      'alerts.json',
      'coupons-clipped.json',
      'lists.json',
      'manifest.json',
      'orders.json',
      'profile.json',
      'purchases.csv',
      'purchases.json',
      'store-accounts.json',
      'watches.json',
    ]);
    const read = (name: string) => JSON.parse(strFromU8(files[name] as Uint8Array));
    expect(read('profile.json')).toMatchObject({
      profile: { id: alice.id, email: alice.email, displayName: 'Exporter' },
      notificationSettings: { email: true, sms: false, push: false, webhookUrl: null },
    });
    expect(strFromU8(files['profile.json'] as Uint8Array)).not.toMatch(/argon2|password/i);
    expect(read('purchases.json')).toEqual([
      { id: `p-${alice.id}`, storeSlug: 'fresh-mart', items: [{ name: 'Milk' }] },
    ]);
    expect(read('store-accounts.json')).toEqual([{ storeSlug: 'ref-mart', status: 'connected' }]);
    expect(read('watches.json')).toEqual([{ id: `w-${alice.id}` }]);
    expect(read('alerts.json')).toEqual({ settings: { dropPercent: 10 }, alerts: [{ id: 'a1' }] });
    expect(read('orders.json')).toEqual([{ id: 'o1', status: 'PAID', items: [] }]);
    expect(strFromU8(files['purchases.csv'] as Uint8Array)).toContain(`Milk for ${alice.id}`);
    expect(read('manifest.json')).toMatchObject({ exportId: created.body.id, userId: alice.id, version: 1 });

    // The first download leaves the archive an hour at most.
    const after = await request(gateway.app).get(`/me/export/${created.body.id}`).set(alice.auth).expect(200);
    expect(Date.parse(after.body.expiresAt) - Date.now()).toBeLessThanOrEqual(3_600_000);
    await download(alice.auth, created.body.id).expect(200);
  });

  it('is scoped to its owner: another user gets 404 for the status and the download', async () => {
    const alice = await signUp();
    const mallory = await signUp();
    const created = await request(gateway.app).post('/me/export').set(alice.auth).expect(202);
    await settle(alice.auth, created.body.id);
    const status = await request(gateway.app)
      .get(`/me/export/${created.body.id}`)
      .set(mallory.auth)
      .expect(404);
    expect(status.body.error.code).toBe('NOT_FOUND');
    await download(mallory.auth, created.body.id).expect(404);
    await request(gateway.app).get(`/me/export/${created.body.id}`).expect(401);
    await request(gateway.app).post('/me/export').expect(401);
    const bad = await request(gateway.app).get('/me/export/not-an-id').set(alice.auth).expect(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
  });

  it('allows one export at a time and a few a day', async () => {
    const bob = await signUp();
    const first = await request(gateway.app).post('/me/export').set(bob.auth).expect(202);
    const again = await request(gateway.app).post('/me/export').set(bob.auth).expect(409);
    expect(again.body.error).toMatchObject({ code: 'CONFLICT', details: { exportId: first.body.id } });
    await settle(bob.auth, first.body.id);
    const second = await request(gateway.app).post('/me/export').set(bob.auth).expect(202);
    await settle(bob.auth, second.body.id);
    const third = await request(gateway.app).post('/me/export').set(bob.auth).expect(202);
    await settle(bob.auth, third.body.id);
    const limited = await request(gateway.app).post('/me/export').set(bob.auth).expect(429);
    expect(limited.body.error.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(23 * 3600);
    // Other users are not limited by Bob's exports.
    const carol = await signUp();
    await request(gateway.app).post('/me/export').set(carol.auth).expect(202);
  });

  it('retries a failing service and succeeds when it recovers', async () => {
    const dave = await signUp();
    // The internal client itself retries a 503 twice: three 503s make one failed run.
    upstream.failures.set(`orders:${dave.id}`, [503, 503, 503]);
    const created = await request(gateway.app).post('/me/export').set(dave.auth).expect(202);
    const done = await settle(dave.auth, created.body.id);
    expect(done).toMatchObject({ status: 'ready', attempts: 2, error: null });
  });

  it('fails with the reason the user sees once a service keeps failing', async () => {
    const erin = await signUp();
    upstream.failures.set(`price-watch:${erin.id}`, [0]);
    const created = await request(gateway.app).post('/me/export').set(erin.auth).expect(202);
    const done = await settle(erin.auth, created.body.id);
    expect(done).toMatchObject({ status: 'failed', attempts: 2 });
    expect(done.error).toMatch(/^price-watch did not answer: database down$/);
    expect(done.progress.done).toBe(3);
    const refused = await download(erin.auth, created.body.id).expect(409);
    expect(JSON.parse(String(refused.body)).error).toMatchObject({
      code: 'CONFLICT',
      details: { status: 'failed' },
    });
    // Failed, it no longer blocks a new export.
    await request(gateway.app).post('/me/export').set(erin.auth).expect(202);
  });

  it('expires the archive after the retention: status expired, download 404', async () => {
    const frank = await signUp();
    const created = await request(gateway.app).post('/me/export').set(frank.auth).expect(202);
    await settle(frank.auth, created.body.id);
    await sql`update account_export set expires_at = now() - interval '1 second' where id = ${created.body.id}`.execute(
      database.db,
    );
    const status = await request(gateway.app)
      .get(`/me/export/${created.body.id}`)
      .set(frank.auth)
      .expect(200);
    expect(status.body).toMatchObject({ status: 'expired', sizeBytes: null });
    await download(frank.auth, created.body.id).expect(404);
  });

  it('takes over an export whose worker died once its lease ran out, and records only the holder', async () => {
    const gina = await signUp();
    const created = await request(gateway.app).post('/me/export').set(gina.auth).expect(202);
    // A worker that claimed it and died: running, lease already over.
    await sql`update account_export set status = 'running', attempts = 1, lease_owner = 'dead-worker',
              lease_expires_at = now() - interval '1 second' where id = ${created.body.id}`.execute(
      database.db,
    );
    const done = await settle(gina.auth, created.body.id);
    expect(done).toMatchObject({ status: 'ready', attempts: 2 });
    const { rows } = await sql<{ lease_owner: string | null }>`
      select lease_owner from account_export where id = ${created.body.id}`.execute(database.db);
    expect(rows[0]?.lease_owner).toBeNull();
  });
});
