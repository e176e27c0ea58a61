/** Shared set-up of the integration tests: an isolated schema, the app over it, and small factories. */
import type { UserRole } from '@cartwatch/common-types';
import { newId } from '@cartwatch/db';
import { loadConfig } from '@cartwatch/service-kit';
import { createAppContext } from '@cartwatch/service-runtime';
import {
  createTestDatabase,
  serviceHeaders,
  TEST_SERVICE_KEY,
  type TestDatabase,
  type TestUser,
  testEnv,
} from '@cartwatch/testing';
import type { Express } from 'express';
import request from 'supertest';
import { createApp } from '../src/app.js';
import type { DB } from '../src/db/schema.js';
import { migrationsFolder, serviceDefinition } from '../src/service.js';
import type { FakeOrders } from './fake-orders.js';
import type { FakePriceWatch } from './fake-price-watch.js';

export type { TestDatabase };

export function createDatabase(prefix: string): Promise<TestDatabase<DB>> {
  return createTestDatabase<DB>({ prefix, migrationsFolder });
}

/**
 * The app over the schema; `orders` is the loopback fake it asks about carts and locations, `priceWatch`
 * the one it asks about product categories (without it, price-watch is unreachable).
 */
export function buildApp(
  database: TestDatabase<DB>,
  options: { env?: Record<string, string>; orders?: FakeOrders; priceWatch?: FakePriceWatch } = {},
): Express {
  const { databaseUrl, natsUrl } = testEnv();
  const config = loadConfig(serviceDefinition.envSchema, {
    SERVICE_KEY: TEST_SERVICE_KEY,
    DATABASE_URL: databaseUrl,
    NATS_URL: natsUrl,
    DB_SCHEMA: database.schema,
    LOG_LEVEL: 'silent',
    ORDERS_URL: options.orders?.url ?? 'http://127.0.0.1:9',
    PRICE_WATCH_URL: options.priceWatch?.url ?? 'http://127.0.0.1:9',
    ...options.env,
  });
  const context = createAppContext(serviceDefinition, { config, database });
  return createApp(context);
}

/** A new store location orders knows, of the retailer `storeSlug`. */
export function knownLocation(orders: FakeOrders, storeSlug = 'test-mart'): string {
  const id = newId();
  orders.locations.set(id, storeSlug);
  return id;
}

export const asUser = (user: TestUser) => serviceHeaders(TEST_SERVICE_KEY, user);

/** The gateway forwards /device/* with its service key and the cart's own Authorization header. */
export function asDevice(key: string): Record<string, string> {
  return { 'X-Service-Key': TEST_SERVICE_KEY, Authorization: `Bearer ${key}` };
}

export interface RegisteredCart {
  id: string;
  key: string;
  keyId: string;
  locationId: string;
}

export async function registerCart(
  app: Express,
  manager: TestUser,
  locationId: string,
  name = 'Cart 1',
): Promise<RegisteredCart> {
  const response = await request(app)
    .post('/devices')
    .set(asUser(manager))
    .send({ locationId, name })
    .expect(201);
  return {
    id: response.body.device.id,
    key: response.body.key.key,
    keyId: response.body.key.keyId,
    locationId,
  };
}

export async function pairingCodeFor(app: Express, cart: RegisteredCart): Promise<string> {
  const response = await request(app).post('/device/pairing-code').set(asDevice(cart.key)).expect(201);
  return response.body.code;
}

export async function pair(
  app: Express,
  cart: RegisteredCart,
  user: { id: string; role: UserRole },
): Promise<{ body: { id: string } }> {
  const code = await pairingCodeFor(app, cart);
  return request(app).post('/devices/pair').set(asUser(user)).send({ code }).expect(201);
}
