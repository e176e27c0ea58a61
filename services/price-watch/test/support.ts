/** Shared set-up of price-watch integration tests: an isolated schema, the app, and event delivery. */
import { fileURLToPath } from 'node:url';
import type { EventDefinition } from '@cartwatch/common-types';
import { newId, withTransaction } from '@cartwatch/db';
import { buildEnvelope, type EventHandler } from '@cartwatch/events';
import { createAppFromEnv } from '@cartwatch/service-runtime';
import { createTestDatabase, TEST_SERVICE_KEY, type TestDatabase, testEnv } from '@cartwatch/testing';
import type { Express } from 'express';
import type { Transaction } from 'kysely';
import { pino } from 'pino';
import type { z } from 'zod';
import type { DB } from '../src/db/schema.js';
import { serviceDefinition } from '../src/service.js';
import type { UrlCheckResult } from '../src/watches/url-check.js';
import { WatchScheduler } from '../src/watches/watch-scheduler.js';

/** The default consensus settings (config.ts): k = 3 contributors, 90 days of evidence. */
export const shared = { minContributors: 3, windowDays: 90 };

export const migrationsFolder = fileURLToPath(new URL('../src/db/migrations', import.meta.url));

export interface PriceWatchHarness {
  database: TestDatabase<DB>;
  app: Express;
  close(): Promise<void>;
}

export async function startPriceWatch(
  prefix: string,
  env: Record<string, string> = {},
): Promise<PriceWatchHarness> {
  const database = await createTestDatabase<DB>({ prefix, migrationsFolder });
  const { databaseUrl, natsUrl } = testEnv();
  const built = createAppFromEnv(serviceDefinition, {
    SERVICE_KEY: TEST_SERVICE_KEY,
    DATABASE_URL: databaseUrl,
    NATS_URL: natsUrl,
    DB_SCHEMA: database.schema,
    LOG_LEVEL: 'silent',
    ...env,
  });
  return {
    database,
    app: built.app,
    async close() {
      await built.close();
      await database.drop();
    },
  };
}

/** Applies one event through a handler the way the consumer does (inside one transaction). */
export async function deliver<TDef extends EventDefinition>(
  database: TestDatabase<DB>,
  handler: EventHandler<TDef, DB>,
  data: z.input<TDef['schema']>,
  extra: { userId?: string; subjectId?: string } = {},
): Promise<void> {
  const envelope = buildEnvelope(handler.definition, { source: 'receipt-ingest', data, ...extra });
  await withTransaction(database.db, (trx: Transaction<DB>) =>
    handler.handle(trx, envelope, { working: () => {}, deliveryCount: 1 }),
  );
}

export interface ItemInput {
  name: string;
  gtin?: string;
  brand?: string;
  category?: string;
  size?: { value: number; unit: 'g' | 'ml' | 'ct' };
  paidCents?: number;
  /** Default: the paid amount. */
  unitPriceCents?: number;
  kind?: 'purchase' | 'return';
  quantity?: number;
  onSale?: boolean;
  discountCents?: number;
  regularPriceCents?: number;
}

/** A purchase.recorded.v1 payload with sensible defaults. */
export function purchase(
  userId: string,
  items: ItemInput[],
  overrides: { storeSlug?: string; purchasedAt?: string; currency?: string } = {},
) {
  return {
    purchaseId: newId(),
    userId,
    storeSlug: overrides.storeSlug ?? 'kroger',
    purchasedAt: overrides.purchasedAt ?? new Date().toISOString(),
    currency: overrides.currency ?? 'USD',
    items: items.map((item) => {
      const paidCents = item.paidCents ?? 399;
      return {
        lineId: newId(),
        quantity: item.quantity ?? 1,
        unitPriceCents: paidCents,
        ...item,
        paidCents,
      };
    }),
  };
}

/** A catalog product with no codes and no prices (ids are UUID v7 unless given). */
export async function createProduct(
  database: TestDatabase<DB>,
  overrides: { id?: string; name?: string } = {},
): Promise<string> {
  const id = overrides.id ?? newId();
  const name = overrides.name ?? `Product ${id.slice(-6)}`;
  await database.db
    .insertInto('product')
    .values({
      id,
      name,
      name_norm: name.toLowerCase(),
      brand: null,
      category: null,
      size_value: null,
      size_unit: null,
      merged_into: null,
    })
    .execute();
  return id;
}

/**
 * A watch scheduler over a recording checker (every URL it checks is pushed to `checked`, each read as
 * USD 1.00 in stock) with a fixed jitter: scheduler tests are about ordering, politeness and claims.
 */
export function recordingScheduler(
  database: TestDatabase<DB>,
  checked: string[],
  options: { concurrency: number; hostDelayMs: number; checkIntervalSeconds?: number | undefined },
): WatchScheduler {
  return new WatchScheduler({
    database,
    checkUrl: async (url): Promise<UrlCheckResult> => {
      checked.push(url);
      return { ok: true, priceCents: 100, currency: 'USD', available: true, method: 'json-ld', title: 'x' };
    },
    logger: pino({ level: 'silent' }),
    random: () => 0.5,
    ...options,
  });
}
