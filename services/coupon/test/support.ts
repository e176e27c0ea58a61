/** Test wiring: an isolated migrated schema, the app on it, and small factories. */
import { newId } from '@cartwatch/db';
import { createAppFromEnv } from '@cartwatch/service-runtime';
import { createTestDatabase, TEST_SERVICE_KEY, type TestDatabase, testEnv } from '@cartwatch/testing';
import type { Express } from 'express';
import type { DB } from '../src/db/schema.js';
import { type ObservedPrice, recordObservedPrice } from '../src/prices/price.repository.js';
import { migrationsFolder, serviceDefinition } from '../src/service.js';

export interface CouponTestContext {
  database: TestDatabase<DB>;
  app: Express;
  close(): Promise<void>;
}

export async function setUpCouponTest(prefix: string): Promise<CouponTestContext> {
  const database = await createTestDatabase<DB>({ prefix, migrationsFolder });
  const { databaseUrl, natsUrl } = testEnv();
  const built = createAppFromEnv(serviceDefinition, {
    SERVICE_KEY: TEST_SERVICE_KEY,
    DATABASE_URL: databaseUrl,
    NATS_URL: natsUrl,
    DB_SCHEMA: database.schema,
    LOG_LEVEL: 'silent',
  });
  return {
    database,
    app: built.app,
    close: async () => {
      await built.close();
      await database.drop();
    },
  };
}

/** A price observation as price-watch would publish it; `daysAgo` sets its date. */
export async function seedPrice(
  database: TestDatabase<DB>,
  price: Partial<ObservedPrice> & { productId: string; storeSlug: string; priceCents: number },
  daysAgo = 1,
  buyerId?: string,
): Promise<void> {
  await recordObservedPrice(
    database.db,
    {
      observationId: newId(),
      name: `product ${price.productId.slice(-4)}`,
      currency: 'USD',
      isSale: false,
      source: 'catalog',
      observedAt: new Date(Date.now() - daysAgo * 86_400_000).toISOString(),
      ...price,
    },
    buyerId,
  );
}

export const yesterday = () => new Date(Date.now() - 86_400_000).toISOString();
export const nextWeek = () => new Date(Date.now() + 7 * 86_400_000).toISOString();
