/** Price reads: product detail with store prices, series, trends, increases and store comparisons. */
import {
  type ChartPoint,
  defineCursor,
  type Page,
  type PriceIncrease,
  type PricePoint,
  type PriceSeries,
  type ProductDetail,
  type PublicTrend,
  type StoreComparison,
  type StorePrice,
  type SuspiciousPriceList,
  type TrendsResponse,
} from '@cartwatch/common-types';
import type { Database } from '@cartwatch/db';
import { AppError } from '@cartwatch/service-kit';
import { z } from 'zod';
import { findProductById, withGtins } from '../catalog/catalog.repository.js';
import { toProduct } from '../catalog/catalog.service.js';
import type { DB } from '../db/schema.js';
import { suspiciousPrices } from './consensus.repository.js';
import { productSize, unitPriceOf } from './observation.service.js';
import {
  categoryTrends,
  type LatestPriceRow,
  priceIncreases,
  priceSeries,
  pricesSeenBy,
  type SeriesRow,
  sharedSeries,
} from './prices.repository.js';

const DAY_MS = 86_400_000;
export const periodDays = { '30d': 30, '90d': 90, '365d': 365 } as const;

function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function addDays(day: string, days: number): string {
  return isoDay(new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS));
}

/**
 * Unit price for display: per kg (g), per l (ml) or per piece (ct). A price recorded before the
 * product's pack size was known (docs/price-watch.md, "Product attributes") gets it from that size.
 */
function displayUnitPrice(
  row: LatestPriceRow,
  size: { value: number; unit: 'g' | 'ml' | 'ct' } | undefined,
): z.infer<typeof StorePrice>['unitPrice'] {
  if (size === undefined) return null;
  const perUnit =
    row.unit_price_cents !== null ? Number(row.unit_price_cents) : unitPriceOf(Number(row.price_cents), size);
  if (perUnit === null) return null;
  const per = size.unit === 'ct' ? 1 : 1000;
  return {
    amountCents: Math.round(perUnit * per),
    currency: row.currency,
    per: { value: per, unit: size.unit },
  };
}

function toStorePrice(
  row: LatestPriceRow,
  size: { value: number; unit: 'g' | 'ml' | 'ct' } | undefined,
): z.infer<typeof StorePrice> {
  return {
    storeSlug: row.store_slug,
    priceCents: Number(row.price_cents),
    regularPriceCents: row.regular_price_cents === null ? null : Number(row.regular_price_cents),
    currency: row.currency,
    isSale: row.is_sale,
    unitPrice: displayUnitPrice(row, size),
    observedAt: row.observed_at.toISOString(),
  };
}

/** A product with the prices `userId` sees: shared ones, their own receipts where newer. */
export async function getProductDetail(
  database: Database<DB>,
  id: string,
  userId?: string,
): Promise<z.infer<typeof ProductDetail>> {
  const product = await findProductById(database.db, id);
  if (!product) throw AppError.notFound('product');
  const [withCodes] = await withGtins(database.db, [product]);
  if (!withCodes) throw AppError.notFound('product');
  const size = productSize(product);
  const prices = (await pricesSeenBy(database.db, userId, [id])).map((row) => toStorePrice(row, size));
  // Cheapest among stores in the most recent currency, by unit price when known, else by price.
  const currency = prices.reduce<z.infer<typeof StorePrice> | undefined>(
    (newest, price) => (!newest || price.observedAt > newest.observedAt ? price : newest),
    undefined,
  )?.currency;
  const comparable = prices.filter((price) => price.currency === currency);
  const cheapest = comparable.reduce<z.infer<typeof StorePrice> | undefined>(
    (best, price) =>
      !best ||
      (price.unitPrice?.amountCents ?? price.priceCents) < (best.unitPrice?.amountCents ?? best.priceCents)
        ? price
        : best,
    undefined,
  );
  return { ...toProduct(withCodes), prices, cheapestStore: cheapest?.storeSlug ?? null };
}

function toPoints(rows: SeriesRow[]): z.infer<typeof PricePoint>[] {
  return rows.map((row) => ({
    period: row.period,
    minCents: Number(row.min_cents),
    maxCents: Number(row.max_cents),
    avgCents: Math.round(Number(row.sum_cents) / Number(row.count)),
    count: Number(row.count),
  }));
}

function toChartPoints(rows: SeriesRow[]): z.infer<typeof ChartPoint>[] {
  return toPoints(rows).map((point, index) => ({ ...point, ownCount: Number(rows[index]?.own_count ?? 0) }));
}

/**
 * A shopper's chart of a product (docs/price-watch.md, "What a shopper sees"): the shared prices plus
 * the shopper's own observations, never another single shopper's receipt.
 */
export async function getPriceSeries(
  database: Database<DB>,
  productId: string,
  userId: string,
  query: {
    store?: string | undefined;
    from?: string | undefined;
    to?: string | undefined;
    interval: 'day' | 'week' | 'month';
  },
  now: Date = new Date(),
): Promise<z.infer<typeof PriceSeries>> {
  const to = query.to ?? isoDay(now);
  const from = query.from ?? addDays(to, -365);
  // One statement: the product (404), its currency and the points.
  const series = await priceSeries(database, {
    productId,
    userId,
    store: query.store,
    from,
    to,
    interval: query.interval,
  });
  if (!series) throw AppError.notFound('product');
  return {
    productId,
    interval: query.interval,
    store: query.store ?? null,
    currency: series.currency,
    points: toChartPoints(series.rows),
  };
}

export async function getPublicTrend(
  database: Database<DB>,
  productId: string,
  period: keyof typeof periodDays,
  now: Date = new Date(),
): Promise<z.infer<typeof PublicTrend>> {
  const to = isoDay(now);
  const from = addDays(to, -periodDays[period]);
  // Public: shared prices only (docs/price-watch.md, "Shared figures over time").
  const series = await sharedSeries(database, { productId, from, to });
  if (!series) throw AppError.notFound('product');
  const points = toPoints(series.rows);
  const first = points[0];
  const last = points.at(-1);
  const changePct =
    first && last && first !== last && first.avgCents > 0
      ? Math.round((last.avgCents / first.avgCents - 1) * 10_000) / 100
      : null;
  return { productId, name: series.productName, period, currency: series.currency, points, changePct };
}

export async function getCategoryTrends(
  database: Database<DB>,
  query: { category?: string | undefined; period: keyof typeof periodDays },
  now: Date = new Date(),
): Promise<z.infer<typeof TrendsResponse>> {
  const to = isoDay(now);
  const from = addDays(to, -periodDays[query.period]);
  const rows = await categoryTrends(database.db, { from, to, category: query.category });
  return {
    period: query.period,
    from,
    to,
    items: rows.map((row) => ({
      category: row.category,
      currency: row.currency,
      productCount: Number(row.product_count),
      changePct: Number(row.change_pct),
    })),
  };
}

const MAX_OFFSET = 100_000;
const OffsetCursor = defineCursor(z.strictObject({ o: z.number().int().min(1).max(MAX_OFFSET) }));

export async function listPriceIncreases(
  database: Database<DB>,
  query: { since: string; minPct: number; limit: number; cursor?: string | undefined },
  now: Date = new Date(),
): Promise<Page<z.infer<typeof PriceIncrease>>> {
  const offset = query.cursor === undefined ? 0 : OffsetCursor.decode(query.cursor).o;
  const next = offset + query.limit;
  const rows = await priceIncreases(database.db, {
    since: query.since,
    today: isoDay(now),
    minPct: query.minPct,
    limit: query.limit + 1,
    offset,
  });
  return {
    items: rows.slice(0, query.limit).map((row) => ({
      productId: row.product_id,
      name: row.name,
      currency: row.currency,
      fromAvgCents: Number(row.from_avg),
      toAvgCents: Number(row.to_avg),
      changePct: Number(row.change_pct),
    })),
    nextCursor: rows.length > query.limit && next <= MAX_OFFSET ? OffsetCursor.encode({ o: next }) : null,
  };
}

/**
 * Shared price of each product per store (plus the user's own receipts on their own comparison; none on
 * the public one); stores that carry every product first, cheapest first.
 */
export async function compareStores(
  database: Database<DB>,
  productIds: string[],
  userId?: string,
): Promise<z.infer<typeof StoreComparison>> {
  const rows = await pricesSeenBy(database.db, userId, productIds);
  const byStore = new Map<string, z.infer<typeof StoreComparison>['stores'][number]>();
  for (const row of rows) {
    const key = `${row.store_slug}\u0000${row.currency}`;
    const store = byStore.get(key) ?? {
      storeSlug: row.store_slug,
      currency: row.currency,
      totalCents: 0,
      pricedCount: 0,
      missingProductIds: [],
      prices: [],
    };
    store.totalCents += Number(row.price_cents);
    store.pricedCount += 1;
    store.prices.push({
      productId: row.product_id,
      priceCents: Number(row.price_cents),
      observedAt: row.observed_at.toISOString(),
    });
    byStore.set(key, store);
  }
  const stores = [...byStore.values()].map((store) => ({
    ...store,
    missingProductIds: productIds.filter((id) => !store.prices.some((price) => price.productId === id)),
  }));
  stores.sort(
    (a, b) =>
      b.pricedCount - a.pricedCount || a.totalCents - b.totalCents || a.storeSlug.localeCompare(b.storeSlug),
  );
  const complete = stores.find((store) => store.pricedCount === productIds.length);
  return { productIds, stores, cheapestCompleteStore: complete?.storeSlug ?? null };
}

/**
 * Receipt prices far from the shared price of their store (docs/price-watch.md, "Consensus prices"),
 * newest first, for the admins' moderation list.
 */
export async function listSuspiciousPrices(
  database: Database<DB>,
  filter: { windowDays: number; limit: number },
): Promise<z.infer<typeof SuspiciousPriceList>> {
  const rows = await suspiciousPrices(database.db, filter);
  return {
    items: rows.map((row) => ({
      observationId: row.observation_id,
      productId: row.product_id,
      name: row.name,
      storeSlug: row.store_slug,
      priceCents: Number(row.price_cents),
      currency: row.currency,
      sharedPriceCents: Number(row.shared_cents),
      deviationPct: Math.round((Number(row.price_cents) / Number(row.shared_cents) - 1) * 10_000) / 100,
      contributorId: row.user_id,
      observedAt: row.observed_at.toISOString(),
    })),
  };
}
