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
import { normalizeCategory } from './attributes.js';
import { recordStatement, resolveAttributes } from './attributes.service.js';
import {
  attachGtin,
  findLiveProduct,
  findNameCandidates,
  findProductIdByGtin,
  insertLineMatch,
  insertProduct,
  lockMatching,
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

/**
 * What the line states about its product is one contributor's evidence of its brand, category and pack
 * size (docs/price-watch.md, "Product attributes"): recorded, then the product's attributes resolved.
 */
async function learnFrom(
  trx: Transaction<DB>,
  product: ProductRow,
  item: Item,
  contributor: { userId: string; at: Date },
): Promise<ProductRow> {
  const stated = await recordStatement(
    trx,
    product.id,
    { kind: 'receipt', voter: contributor.userId, at: contributor.at },
    { brand: item.brand, category: item.category, size: item.size },
  );
  if (!stated) return product;
  return (await resolveAttributes(trx, product.id)) ?? product;
}

/** Finds or creates the product of one line; the caller holds `lockMatching` (see matchPurchase). */
export async function matchItem(
  trx: Transaction<DB>,
  item: Item,
  options: MatchingOptions,
  contributor: { userId: string; at: Date },
): Promise<LineMatch> {
  const nameNorm = normalizeName(item.name);
  const brandNorm = normalizeBrand(item.brand);
  const size = item.size;
  const gtin14 = item.gtin ? normalizeGtin(item.gtin) : undefined;

  if (gtin14) {
    const byGtin = await findProductIdByGtin(trx, gtin14);
    const found = byGtin ? await findLiveProduct(trx, byGtin) : undefined;
    if (found) {
      const product = await learnFrom(trx, found, item, contributor);
      return { product, method: 'gtin', confidence: 1, gtin14 };
    }
  }

  const candidates = await findNameCandidates(trx, { nameNorm, brandNorm, size, limit: 5 });
  // A product that already has GTINs is a different product from an item carrying another GTIN.
  const best = candidates.find((candidate) => !(gtin14 && candidate.hasGtins));
  if (best && best.similarity >= options.threshold) {
    const product = await findLiveProduct(trx, best.id);
    if (product) {
      const brandConfirmed = brandNorm !== '' && brandNorm === product.brand_norm;
      const learned = await learnFrom(trx, product, item, contributor);
      if (gtin14) await attachGtin(trx, gtin14, product.id);
      return {
        product: learned,
        method: 'name',
        confidence: nameConfidence(best.similarity, brandConfirmed),
        gtin14,
      };
    }
  }

  const id = newId();
  await insertProduct(trx, {
    id,
    name: item.name.trim(),
    nameNorm,
    brand: item.brand?.trim() ?? null,
    brandNorm,
    category: item.category?.trim() ? normalizeCategory(item.category) : null,
    size: size ?? null,
  });
  const owner = gtin14 ? await attachGtin(trx, gtin14, id) : id;
  const found = await findLiveProduct(trx, owner);
  if (!found) throw new Error(`product ${owner} vanished while matching`);
  const product = await learnFrom(trx, found, item, contributor);
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
  // Matching (find or create a product by GTIN or by name) is serialised service-wide for the rest of the
  // transaction. Per-identity locks deadlocked: the consumer applies a batch of events in one transaction,
  // so a lane held one purchase's locks while taking the next one's, in an order no sort could fix.
  await lockMatching(trx);
  const matched: MatchedLine[] = [];
  for (const item of purchase.items) {
    const match = await matchItem(trx, item, options, {
      userId: purchase.userId,
      at: new Date(purchase.purchasedAt),
    });
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
