/**
 * Test harness of orders: an isolated schema, the app built from env as the process builds it, and a
 * real loopback HTTP server standing in for price-watch's `POST /internal/products/resolve` (and, for
 * the Stripe tests, `fake-stripe.ts` standing in for Stripe's API).
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@cartwatch/service-kit';
import { createAppContext, createServiceDatabase } from '@cartwatch/service-runtime';
import {
  createTestDatabase,
  serviceHeaders,
  TEST_SERVICE_KEY,
  type TestDatabase,
  type TestUser,
  testAdmin,
  testEnv,
  testUser,
} from '@cartwatch/testing';
import type { Express } from 'express';
import request, { type Test } from 'supertest';
import { createApp } from '../src/app.js';
import type { DB } from '../src/db/schema.js';
import type { ProviderOptions } from '../src/payments/payment-provider.js';
import { serviceDefinition } from '../src/service.js';

export const migrationsFolder = fileURLToPath(new URL('../src/db/migrations', import.meta.url));

/** Deterministic product id (a valid UUID v7 shape) for a GTIN, as a fake price-watch would answer. */
export function productIdForGtin(gtin: string): string {
  const hex = createHash('sha256').update(gtin).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export interface FakePriceWatch {
  url: string;
  calls: Array<{ path: string; body: unknown; serviceKey: string | undefined }>;
  /** When set, every call answers this status. */
  failWith: number | undefined;
  close(): Promise<void>;
}

export async function startFakePriceWatch(): Promise<FakePriceWatch> {
  const fake: FakePriceWatch = { url: '', calls: [], failWith: undefined, close: async () => {} };
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => {
      raw += chunk.toString('utf8');
    });
    req.on('end', () => {
      const body = raw ? (JSON.parse(raw) as { gtin?: string }) : undefined;
      const serviceKey = req.headers['x-service-key'];
      fake.calls.push({
        path: req.url ?? '',
        body,
        serviceKey: typeof serviceKey === 'string' ? serviceKey : undefined,
      });
      res.setHeader('content-type', 'application/json');
      if (fake.failWith !== undefined) {
        res.writeHead(fake.failWith);
        res.end(JSON.stringify({ error: { code: 'INTERNAL', message: 'down', requestId: 'x' } }));
        return;
      }
      if (req.url !== '/internal/products/resolve' || !body?.gtin) {
        res.writeHead(404);
        res.end(JSON.stringify({ error: { code: 'NOT_FOUND', message: 'no route', requestId: 'x' } }));
        return;
      }
      res.writeHead(200);
      res.end(JSON.stringify({ productId: productIdForGtin(body.gtin), created: false }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  return fake;
}

export interface Harness {
  app: Express;
  database: TestDatabase<DB>;
  priceWatch: FakePriceWatch;
  admin: TestUser;
  close(): Promise<void>;
}

/**
 * The app built from env as the process builds it (config, pool, context), plus `options` only tests
 * give (e.g. the address of a fake Stripe API).
 */
export async function createHarness(
  prefix: string,
  env: Record<string, string> = {},
  options: ProviderOptions = {},
): Promise<Harness> {
  const database = await createTestDatabase<DB>({ prefix, migrationsFolder });
  const priceWatch = await startFakePriceWatch();
  const { databaseUrl, natsUrl } = testEnv();
  const config = loadConfig(serviceDefinition.envSchema, {
    SERVICE_KEY: TEST_SERVICE_KEY,
    DATABASE_URL: databaseUrl,
    NATS_URL: natsUrl,
    DB_SCHEMA: database.schema,
    LOG_LEVEL: 'silent',
    PRICE_WATCH_URL: priceWatch.url,
    ...env,
  });
  const appDatabase = createServiceDatabase(serviceDefinition, config);
  const app = createApp(createAppContext(serviceDefinition, { config, database: appDatabase }), options);
  return {
    app,
    database,
    priceWatch,
    admin: testAdmin(),
    async close() {
      await appDatabase.close();
      await priceWatch.close();
      await database.drop();
    },
  };
}

export function as(user: TestUser) {
  return serviceHeaders(TEST_SERVICE_KEY, user);
}

let gtinCounter = 0;
/** A unique valid-looking 13-digit GTIN per call. */
export function nextGtin(): string {
  gtinCounter += 1;
  return String(4_000_000_000_000 + gtinCounter);
}

export async function createLocation(h: Harness, overrides: { currency?: string } = {}): Promise<string> {
  const response = await request(h.app)
    .post('/catalog/locations')
    .set(as(h.admin))
    .send({ storeSlug: 'acme', name: 'Acme Main St', currency: overrides.currency ?? 'USD' })
    .expect(201);
  return response.body.id as string;
}

export async function createItem(
  h: Harness,
  locationId: string,
  overrides: { priceCents?: number; onHand?: number; name?: string; gtin?: string } = {},
): Promise<{ id: string; productId: string; gtin: string }> {
  const gtin = overrides.gtin ?? nextGtin();
  const response = await request(h.app)
    .post('/catalog/items')
    .set(as(h.admin))
    .send({
      locationId,
      gtin,
      name: overrides.name ?? `Product ${gtin}`,
      priceCents: overrides.priceCents ?? 250,
      onHand: overrides.onHand ?? 10,
    })
    .expect(201);
  return { id: response.body.id, productId: response.body.productId, gtin };
}

export function addToCart(
  h: Harness,
  user: { id: string },
  locationId: string,
  productId: string,
  quantity: number,
): Test {
  return request(h.app).post('/cart/items').set(as(user)).send({ locationId, productId, quantity });
}

export async function outboxEvents(
  h: Harness,
  type: string,
): Promise<Array<{ data: Record<string, unknown>; userId?: string }>> {
  const { rows } = await h.database.pool.query<{
    payload: { data: Record<string, unknown>; userId?: string };
  }>(`select payload from ${h.database.schema}.outbox where type = $1 order by seq`, [type]);
  return rows.map((row) => row.payload);
}

export async function orderStatusOf(h: Harness, orderId: string): Promise<string | undefined> {
  const { rows } = await h.database.pool.query<{ status: string }>(
    'select status from "order" where id = $1',
    [orderId],
  );
  return rows[0]?.status;
}

export async function stockOf(h: Harness, catalogItemId: string) {
  const { rows } = await h.database.pool.query<{ on_hand: number; reserved: number }>(
    'select on_hand, reserved from catalog_item where id = $1',
    [catalogItemId],
  );
  return rows[0];
}

export { testAdmin, testUser };
