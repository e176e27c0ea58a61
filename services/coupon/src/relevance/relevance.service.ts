/**
 * GET /coupons/relevant: active coupons ranked for one user (docs/coupons.md). Signals: products on the
 * user's lists, products bought in the last 90 days (newer counts more), and their brands and categories.
 */
import { defineCursor, type Page } from '@cartwatch/common-types';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { toCoupon } from '../coupons/coupon.mapper.js';
import { type CouponRow, findActiveCoupons, findClippedIds } from '../coupons/coupon.repository.js';
import type { DB } from '../db/schema.js';
import { findProducts } from '../prices/price.repository.js';
import { findListedProductIds } from '../shopping/shopping-list.repository.js';
import { findRecentPurchases } from './purchase-line.repository.js';

export const RECENT_PURCHASE_DAYS = 90;
const DAY_MS = 86_400_000;
/** Active coupons ranked per request, at most; also the largest offset a cursor can carry. */
const MAX_CANDIDATES = 5000;
const OffsetCursor = defineCursor(z.strictObject({ offset: z.number().int().min(1).max(MAX_CANDIDATES) }));

export const weights = {
  listedProduct: 100,
  boughtProduct: 60,
  brand: 30,
  category: 15,
  clipped: 5,
} as const;

interface Signals {
  listed: Set<string>;
  bought: Map<string, number>; // productId -> recency factor 0.5..1
  brands: Map<string, number>;
  categories: Map<string, number>;
}

const lower = (value: string | null | undefined) => value?.toLowerCase() ?? null;

async function collectSignals(db: Kysely<DB>, userId: string, now: Date): Promise<Signals> {
  const since = new Date(now.getTime() - RECENT_PURCHASE_DAYS * DAY_MS);
  const [listed, purchases] = await Promise.all([
    findListedProductIds(db, userId),
    findRecentPurchases(db, userId, since),
  ]);
  const signals: Signals = { listed, bought: new Map(), brands: new Map(), categories: new Map() };
  const raise = (map: Map<string, number>, key: string | null, value: number) => {
    if (key) map.set(key, Math.max(map.get(key) ?? 0, value));
  };
  for (const purchase of purchases) {
    // Linear decay: bought today 1.0, bought 90 days ago 0.5.
    const ageDays = Math.max(0, (now.getTime() - purchase.lastPurchasedAt.getTime()) / DAY_MS);
    const recency = 1 - 0.5 * Math.min(1, ageDays / RECENT_PURCHASE_DAYS);
    raise(signals.bought, purchase.productId, recency);
    raise(signals.brands, lower(purchase.brand), recency);
    raise(signals.categories, lower(purchase.category), recency);
  }
  const listedFacts = await findProducts(db, [...listed]);
  for (const product of listedFacts.values()) {
    raise(signals.brands, lower(product.brand), 1);
    raise(signals.categories, lower(product.category), 1);
  }
  return signals;
}

export function scoreCoupon(
  coupon: CouponRow,
  signals: Signals,
  productFacts: Map<string, { brand: string | null; category: string | null }>,
  clipped: boolean,
): { score: number; reasons: string[] } {
  let score = 0;
  const reasons: string[] = [];
  if (coupon.scope_kind === 'product' && coupon.product_id) {
    if (signals.listed.has(coupon.product_id)) {
      score += weights.listedProduct;
      reasons.push('product on your list');
    }
    const bought = signals.bought.get(coupon.product_id);
    if (bought) {
      score += weights.boughtProduct * bought;
      reasons.push('product you bought recently');
    }
    const facts = productFacts.get(coupon.product_id);
    const brand = signals.brands.get(lower(facts?.brand) ?? '');
    if (brand && score === 0) {
      score += weights.brand * brand * 0.5;
      reasons.push('a brand you buy');
    }
  }
  if (coupon.scope_kind === 'brand') {
    const brand = signals.brands.get(lower(coupon.brand) ?? '');
    if (brand) {
      score += weights.brand * brand;
      reasons.push('a brand you buy');
    }
  }
  if (coupon.scope_kind === 'category') {
    const category = signals.categories.get(lower(coupon.category) ?? '');
    if (category) {
      score += weights.category * category;
      reasons.push('a category you buy');
    }
  }
  if (score > 0 && clipped) {
    score += weights.clipped;
    reasons.push('clipped');
  }
  return { score: Math.round(score * 100) / 100, reasons };
}

export async function relevantCoupons(
  db: Kysely<DB>,
  userId: string,
  query: { store?: string | undefined; limit: number; cursor?: string | undefined },
  now = new Date(),
) {
  const after = query.cursor === undefined ? undefined : OffsetCursor.decode(query.cursor);
  const signals = await collectSignals(db, userId, now);
  const active = await findActiveCoupons(db, {
    now,
    ...(query.store ? { stores: [query.store] } : {}),
    limit: MAX_CANDIDATES,
  });
  const productIds = active.flatMap((coupon) => (coupon.product_id ? [coupon.product_id] : []));
  const [facts, clipped] = await Promise.all([
    findProducts(db, productIds),
    findClippedIds(
      db,
      userId,
      active.map((coupon) => coupon.id),
    ),
  ]);
  const ranked = active
    .map((coupon) => ({ coupon, ...scoreCoupon(coupon, signals, facts, clipped.has(coupon.id)) }))
    .filter((entry) => entry.score > 0)
    .sort((a, b) => b.score - a.score || (a.coupon.id < b.coupon.id ? -1 : 1));
  const offset = after?.offset ?? 0;
  const page = ranked.slice(offset, offset + query.limit);
  return {
    items: page.map((entry) => ({
      coupon: toCoupon(entry.coupon, clipped.has(entry.coupon.id)),
      score: entry.score,
      reasons: entry.reasons,
    })),
    nextCursor:
      offset + query.limit < ranked.length ? OffsetCursor.encode({ offset: offset + query.limit }) : null,
  } satisfies Page<unknown>;
}
