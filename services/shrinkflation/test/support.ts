/** Test helpers: an isolated schema, the app over it, price observations, and what reached the outbox. */
import { fileURLToPath } from 'node:url';
import {
  type EventEnvelope,
  eventCatalog,
  type PackSize,
  type SizeUnit,
  toCanonicalSize,
} from '@cartwatch/common-types';
import { newId, withTransaction } from '@cartwatch/db';
import { buildEnvelope } from '@cartwatch/events';
import { createAppFromEnv } from '@cartwatch/service-runtime';
import { createTestDatabase, TEST_SERVICE_KEY, type TestDatabase, testEnv } from '@cartwatch/testing';
import type { Express } from 'express';
import { sql } from 'kysely';
import type { DB } from '../src/db/schema.js';
import {
  type DetectionSettings,
  type PriceObserved,
  recordPriceObservation,
} from '../src/detection/detection.service.js';
import { serviceDefinition } from '../src/service.js';
import type { PublicCache } from '../src/shrinkflation/public-cache.js';

export const migrationsFolder = fileURLToPath(new URL('../src/db/migrations', import.meta.url));

export const settings: DetectionSettings = {
  highConfidence: 0.8,
  minContributors: 3,
  minObservationsAfter: 2,
  minSizeDropPct: 0.5,
  successorMaxGapDays: 90,
  successorOverlapDays: 14,
};

export function createShrinkDatabase(prefix: string): Promise<TestDatabase<DB>> {
  return createTestDatabase<DB>({ prefix, migrationsFolder });
}

export function shrinkEnv(schema: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { databaseUrl, natsUrl } = testEnv();
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    SERVICE_KEY: TEST_SERVICE_KEY,
    DATABASE_URL: databaseUrl,
    NATS_URL: natsUrl,
    DB_SCHEMA: schema,
    ...extra,
  };
}

export function createTestApp(
  schema: string,
  extra: Record<string, string> = {},
): { app: Express; close(): Promise<void> } {
  const built = createAppFromEnv(serviceDefinition, shrinkEnv(schema, extra));
  return {
    app: built.app,
    async close() {
      await (built.app.locals.publicCache as PublicCache).close();
      await built.close();
    },
  };
}

export function size(value: number, unit: SizeUnit): PackSize {
  return toCanonicalSize(value, unit);
}

const DAY_MS = 86_400_000;
export const start = new Date('2026-01-05T10:00:00.000Z');
export function day(n: number): string {
  return new Date(start.getTime() + n * DAY_MS).toISOString();
}

export interface ProductFixture {
  productId: string;
  gtin?: string;
  name: string;
  brand?: string;
  category?: string;
}

export function product(overrides: Partial<ProductFixture> = {}): ProductFixture {
  return {
    productId: newId(),
    gtin: `00${Math.floor(Math.random() * 1e10)
      .toString()
      .padStart(10, '0')}`,
    name: 'Crunchy Oat Cereal',
    brand: 'Oatly Farms',
    category: 'breakfast',
    ...overrides,
  };
}

export function observation(
  item: ProductFixture,
  input: {
    size?: PackSize;
    priceCents: number;
    at: string;
    store?: string;
    isSale?: boolean;
    regularPriceCents?: number;
    /** Default `catalog`: a store source, independent evidence (docs/shrinkflation.md). */
    source?: 'receipt' | 'catalog';
  },
): PriceObserved {
  return {
    observationId: newId(),
    productId: item.productId,
    ...(item.gtin && { gtin: item.gtin }),
    name: item.name,
    ...(item.brand && { brand: item.brand }),
    ...(item.category && { category: item.category }),
    storeSlug: input.store ?? 'fresh-mart',
    priceCents: input.priceCents,
    ...(input.regularPriceCents !== undefined && { regularPriceCents: input.regularPriceCents }),
    currency: 'USD',
    isSale: input.isSale ?? false,
    ...(input.size && { size: input.size }),
    source: input.source ?? 'catalog',
    observedAt: input.at,
  };
}

export type PriceObservedEnvelope = EventEnvelope<PriceObserved>;

export function envelopeOf(data: PriceObserved, userId?: string): EventEnvelope<PriceObserved> {
  return buildEnvelope(eventCatalog.priceObserved, {
    source: 'price-watch',
    subjectId: data.productId,
    ...(userId && { userId }),
    data,
  }) as EventEnvelope<PriceObserved>;
}

/** Applies observations one by one as the consumer would (one transaction each), calling the handler directly. */
export async function observe(
  database: TestDatabase<DB>,
  ...observations: (PriceObserved | EventEnvelope<PriceObserved>)[]
): Promise<void> {
  for (const item of observations) {
    const envelope = 'data' in item ? item : envelopeOf(item);
    await withTransaction(database.db, (trx) => recordPriceObservation(trx, envelope, settings));
  }
}

export interface DetectedPayload {
  id: string;
  data: EventEnvelope<Record<string, unknown>>['data'] & {
    shrinkflationId: string;
    productId: string;
    unitPriceChangePct: number;
    confidence: number;
  };
}

/** `shrinkflation.detected.v1` events written to the outbox, oldest first. */
export async function detectedEvents(database: TestDatabase<DB>): Promise<DetectedPayload['data'][]> {
  const result = await sql<{ payload: { data: DetectedPayload['data'] } }>`
    select payload from outbox where type = 'shrinkflation.detected.v1' order by seq`.execute(database.db);
  return result.rows.map((row) => row.payload.data);
}

export async function detections(database: TestDatabase<DB>) {
  return database.db.selectFrom('shrinkflation').selectAll().orderBy('detected_at').execute();
}
