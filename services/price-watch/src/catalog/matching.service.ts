/**
 * Matching of purchase lines to catalog products: exact GTIN first (all GTIN forms normalised to
 * GTIN-14), else trigram name similarity among products with a compatible brand and the same pack size,
 * else a new product. Every line gets a match row and `product.matched.v1`.
 */
import {
  type EventDataOf,
  type EventEnvelope,
  eventCatalog,
  type PurchaseItem,
} from '@cartwatch/common-types';
import { newId } from '@cartwatch/db';
import { publish } from '@cartwatch/events';
import type { Transaction } from 'kysely';
import type { z } from 'zod';
import type { DB } from '../db/schema.js';
import {
  attachGtin,
  fillMissingAttributes,
  findLiveProduct,
  findNameCandidates,
  findProductIdByGtin,
  gtinMatchKey,
  insertLineMatch,
  insertProduct,
  lockMatchKey,
  type ProductRow,
} from './catalog.repository.js';
import { normalizeGtin } from './gtin.js';
import { normalizeBrand, normalizeName } from './product-name.js';

export interface MatchingOptions {
  /** Name similarity (0..1) from which a line is matched to an existing product. */
  threshold: number;
}

export interface LineMatch {
  product: ProductRow;
  method: 'gtin' | 'name' | 'created';
  confidence: number;
  gtin14: string | undefined;
}

type Item = z.infer<typeof PurchaseItem>;

/** Confidence of a name match: the similarity, lowered a little when the brand was not confirmed. */
function nameConfidence(similarity: number, brandConfirmed: boolean): number {
  return Math.round(Math.min(1, similarity * (brandConfirmed ? 1 : 0.9)) * 1000) / 1000;
}

/** The advisory-lock keys that serialise matching of an item: its GTIN's, and its brand+size name key. */
function matchKeys(item: Item): { gtin14: string | undefined; nameKey: string } {
  const gtin14 = item.gtin ? normalizeGtin(item.gtin) : undefined;
  const size = item.size;
  return {
    gtin14,
    nameKey: `name:${normalizeBrand(item.brand)}|${size ? `${size.value}${size.unit}` : '-'}`,
  };
}

export async function matchItem(
  trx: Transaction<DB>,
  item: Item,
  options: MatchingOptions,
): Promise<LineMatch> {
  const nameNorm = normalizeName(item.name);
  const brandNorm = normalizeBrand(item.brand);
  const size = item.size;
  const { gtin14, nameKey } = matchKeys(item);

  if (gtin14) {
    await lockMatchKey(trx, gtinMatchKey(gtin14));
    const byGtin = await findProductIdByGtin(trx, gtin14);
    const product = byGtin ? await findLiveProduct(trx, byGtin) : undefined;
    if (product) return { product, method: 'gtin', confidence: 1, gtin14 };
  }

  await lockMatchKey(trx, nameKey);
  const candidates = await findNameCandidates(trx, { nameNorm, brandNorm, size, limit: 5 });
  // A product that already has GTINs is a different product from an item carrying another GTIN.
  const best = candidates.find((candidate) => !(gtin14 && candidate.hasGtins));
  if (best && best.similarity >= options.threshold) {
    const product = await findLiveProduct(trx, best.id);
    if (product) {
      const brandConfirmed = brandNorm !== '' && brandNorm === product.brand_norm;
      await fillMissingAttributes(trx, product.id, {
        brand: item.brand ?? null,
        brandNorm,
        category: item.category ?? null,
      });
      if (gtin14) await attachGtin(trx, gtin14, product.id);
      return { product, method: 'name', confidence: nameConfidence(best.similarity, brandConfirmed), gtin14 };
    }
  }

  const id = newId();
  await insertProduct(trx, {
    id,
    name: item.name.trim(),
    nameNorm,
    brand: item.brand?.trim() ?? null,
    brandNorm,
    category: item.category?.trim() ?? null,
    size: size ?? null,
  });
  const owner = gtin14 ? await attachGtin(trx, gtin14, id) : id;
  const product = await findLiveProduct(trx, owner);
  if (!product) throw new Error(`product ${owner} vanished while matching`);
  return { product, method: 'created', confidence: 1, gtin14 };
}

function priceTypeOf(item: Item): 'regular' | 'sale' | 'coupon' {
  if (item.onSale) return 'sale';
  if ((item.discountCents ?? 0) > 0) return 'coupon';
  return 'regular';
}

/** Paid price of one unit (a line of 3 costing 600 after discounts observes 200). */
function paidPerUnit(item: Item): number {
  const units = Number.isInteger(item.quantity) && item.quantity >= 1 ? item.quantity : 1;
  return units === 1 ? item.paidCents : Math.round(item.paidCents / units);
}

export interface MatchedLine {
  item: Item;
  match: LineMatch;
  priceType: 'regular' | 'sale' | 'coupon';
  paidPerUnitCents: number;
}

/** Matches every line of a purchase; lines already matched (redelivery) are skipped. */
export async function matchPurchase(
  trx: Transaction<DB>,
  event: EventEnvelope<EventDataOf<typeof eventCatalog.purchaseRecorded>>,
  options: MatchingOptions,
): Promise<MatchedLine[]> {
  const purchase = event.data;
  // Every lock the purchase's lines need, taken up front in one sorted order: two consumer lanes matching
  // receipts that share products then queue behind each other instead of deadlocking (each line taking its
  // GTIN lock, then its name lock, in receipt order, let two lanes each hold what the other waits for).
  // Advisory locks are re-entrant within a transaction, so matchItem's own calls return at once.
  const keys = new Set<string>();
  for (const item of purchase.items) {
    const { gtin14, nameKey } = matchKeys(item);
    if (gtin14) keys.add(gtinMatchKey(gtin14));
    keys.add(nameKey);
  }
  for (const key of [...keys].sort()) await lockMatchKey(trx, key);

  const matched: MatchedLine[] = [];
  for (const item of purchase.items) {
    const match = await matchItem(trx, item, options);
    const isNew = await insertLineMatch(trx, {
      lineId: item.lineId,
      purchaseId: purchase.purchaseId,
      userId: purchase.userId,
      productId: match.product.id,
      method: match.method,
      confidence: match.confidence,
      lineName: item.name,
      gtin: match.gtin14 ?? null,
      storeSlug: purchase.storeSlug,
      purchasedAt: purchase.purchasedAt,
    });
    if (!isNew) continue;
    await publish(trx, eventCatalog.productMatched, {
      source: 'price-watch',
      subjectId: purchase.purchaseId,
      userId: purchase.userId,
      data: {
        purchaseId: purchase.purchaseId,
        lineId: item.lineId,
        productId: match.product.id,
        method: match.method,
        confidence: match.confidence,
      },
    });
    matched.push({ item, match, priceType: priceTypeOf(item), paidPerUnitCents: paidPerUnit(item) });
  }
  return matched;
}
