/** Test helpers: an isolated schema, the app over it, price observations, and what reached the outbox. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
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
    // Nothing listens there: a review's purge of the gateway's public cache fails and is only logged.
    // Tests that look at the purge point it at `startFakeGateway()`.
    GATEWAY_URL: 'http://127.0.0.1:9',
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
      await built.close();
    },
  };
}

export interface FakeGateway {
  url: string;
  /** Purge requests received, in order: the body and whether the service key came with it. */
  purges: Array<{ body: unknown; keyed: boolean }>;
  close(): Promise<void>;
}

/** A loopback stand-in for the gateway's `POST /internal/public-cache/purge` (answers 204). */
export async function startFakeGateway(): Promise<FakeGateway> {
  const purges: FakeGateway['purges'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/internal/public-cache/purge') {
        res.writeHead(404).end();
        return;
      }
      purges.push({
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
        keyed: req.headers['x-service-key'] === TEST_SERVICE_KEY,
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    purges,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
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
