/**
 * POST /shopping/optimize: prices from the local read model, coupons under the stacking rules of
 * docs/shopping-optimizer.md, and the exact split from findCheapestStoreSplit.
 */
import type { OptimizePlan, OptimizeRequest } from '@cartwatch/common-types';
import { AppError } from '@cartwatch/service-kit';
import type { Kysely } from 'kysely';
import { scopeCovers, termsOf } from '../coupons/coupon.mapper.js';
import { type ApplicableCoupon, findApplicableCoupons } from '../coupons/coupon.repository.js';
import { lineDiscountCents } from '../coupons/coupon-math.js';
import type { DB } from '../db/schema.js';
import {
  findProducts,
  findStorePrices,
  type ProductFacts,
  type StorePrice,
} from '../prices/price.repository.js';
import {
  findCheapestStoreSplit,
  type LineOption,
  type SpendOffer,
  type SplitProblem,
  SplitTooLargeError,
} from './cheapest-store-split.js';
import { findItemsOfUserList } from './shopping-list.repository.js';

/** At most this many candidate stores (those pricing the most list items win). */
export const MAX_CANDIDATE_STORES = 20;
const DAY_MS = 86_400_000;

interface WantedItem {
  productId: string | null;
  text: string | null;
  quantity: number;
}

type UnpricedItem = OptimizePlan['unpricedItems'][number];

/** Items of the request or the user's list; the same product twice becomes one line (BOGO counts both). */
async function wantedItems(db: Kysely<DB>, userId: string, request: OptimizeRequest): Promise<WantedItem[]> {
  let raw: WantedItem[];
  if (request.listId) {
    const listItems = await findItemsOfUserList(db, userId, request.listId);
    if (!listItems) throw AppError.notFound('shopping list');
    raw = listItems.map((item) => ({
      productId: item.product_id,
      text: item.text,
      quantity: item.quantity,
    }));
  } else {
    raw = (request.items ?? []).map((item) => ({
      productId: item.productId ?? null,
      text: item.text ?? null,
      quantity: item.quantity,
    }));
  }
  const merged = new Map<string, WantedItem>();
  const result: WantedItem[] = [];
  for (const item of raw) {
    if (!item.productId) {
      result.push(item);
      continue;
    }
    const seen = merged.get(item.productId);
    if (seen) seen.quantity += item.quantity;
    else {
      const copy = { ...item };
      merged.set(item.productId, copy);
      result.push(copy);
    }
  }
  return result;
}

/** Everything the solver and the plan need, built once per request. */
export interface PricedShop {
  items: { wanted: WantedItem; product: ProductFacts }[];
  stores: string[];
  prices: (StorePrice | undefined)[][];
  problem: SplitProblem;
  couponsById: Map<string, ApplicableCoupon>;
  unpriced: UnpricedItem[];
}

export async function loadShop(
  db: Kysely<DB>,
  userId: string,
  request: OptimizeRequest,
  now: Date,
): Promise<PricedShop> {
  const wanted = await wantedItems(db, userId, request);
  const productIds = wanted.flatMap((item) => (item.productId ? [item.productId] : []));
  // Three independent queries in parallel, each one statement with an array parameter; the coupon
  // query already leaves out other stores and other products' coupons, and says which are clipped.
  const [products, storePrices, applicableCoupons] = await Promise.all([
    findProducts(db, productIds),
    findStorePrices(db, productIds, request.currency, request.stores, userId),
    request.useCoupons
      ? findApplicableCoupons(db, {
          userId,
          productIds,
          currency: request.currency,
          now,
          stores: request.stores,
        })
      : Promise.resolve([]),
  ]);
  const pricesByProduct = new Map<string, Map<string, StorePrice>>();
  const itemsPerStore = new Map<string, number>();
  for (const price of storePrices) {
    const byStore = pricesByProduct.get(price.productId) ?? new Map<string, StorePrice>();
    byStore.set(price.storeSlug, price);
    pricesByProduct.set(price.productId, byStore);
    itemsPerStore.set(price.storeSlug, (itemsPerStore.get(price.storeSlug) ?? 0) + 1);
  }
  const stores = [...itemsPerStore.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, MAX_CANDIDATE_STORES)
    .map(([store]) => store)
    .sort();

  const unpriced: UnpricedItem[] = [];
  const items: PricedShop['items'] = [];
  for (const item of wanted) {
    const product = item.productId ? products.get(item.productId) : undefined;
    const byStore = item.productId ? pricesByProduct.get(item.productId) : undefined;
    const reason = !item.productId ? 'free-text' : 'no-price';
    if (!product || !byStore || !stores.some((store) => byStore.has(store))) {
      unpriced.push({ productId: item.productId, text: item.text, quantity: item.quantity, reason });
      continue;
    }
    items.push({ wanted: item, product });
  }

  const candidateStores = new Set(stores);
  let coupons = applicableCoupons.filter(
    (coupon) => coupon.store_slug === null || candidateStores.has(coupon.store_slug),
  );
  if (request.clippedOnly) coupons = coupons.filter((coupon) => !coupon.requires_clip || coupon.clipped);
  const lineCoupons = coupons.filter((coupon) => coupon.type !== 'spend_threshold');
  const spendOffers: SpendOffer[][] = stores.map((store) =>
    coupons
      .filter((coupon) => coupon.type === 'spend_threshold' && (coupon.store_slug ?? store) === store)
      .map((coupon) => ({
        couponId: coupon.id,
        thresholdCents: Number(coupon.threshold_cents),
        amountOffCents: Math.min(Number(coupon.amount_off_cents), Number(coupon.threshold_cents)),
      })),
  );

  const prices = items.map(({ wanted: item }) =>
    stores.map((store) => (item.productId ? pricesByProduct.get(item.productId)?.get(store) : undefined)),
  );
  const options = items.map(({ wanted: item, product }, index) => {
    const applicable = lineCoupons.filter((coupon) => scopeCovers(coupon, product));
    return stores.map((store, storeIndex): LineOption[] | undefined => {
      const price = prices[index]?.[storeIndex];
      if (!price) return undefined;
      const shelf = price.priceCents * item.quantity;
      // One option per distinct line cost: the shelf price, and the best coupon reaching each lower cost.
      const byCost = new Map<number, LineOption>([[shelf, { costCents: shelf }]]);
      for (const coupon of applicable) {
        if ((coupon.store_slug ?? store) !== store) continue;
        const discount = lineDiscountCents(termsOf(coupon), price.priceCents, item.quantity);
        if (discount <= 0) continue;
        const cost = shelf - discount;
        if (!byCost.has(cost)) byCost.set(cost, { costCents: cost, couponId: coupon.id });
      }
      return [...byCost.values()].sort((a, b) => a.costCents - b.costCents);
    });
  });

  return {
    items,
    stores,
    prices,
    problem: { options, spendOffers, storeCount: stores.length, maxStores: request.maxStores },
    couponsById: new Map(coupons.map((coupon) => [coupon.id, coupon])),
    unpriced,
  };
}

function solve(problem: SplitProblem) {
  try {
    return findCheapestStoreSplit(problem);
  } catch (error) {
    if (error instanceof SplitTooLargeError) {
      throw AppError.unprocessable(error.message, {
        maxStores: problem.maxStores,
        stores: problem.storeCount,
      });
    }
    throw error;
  }
}

export function buildPlan(shop: PricedShop, request: OptimizeRequest, now: Date): OptimizePlan {
  const { problem, stores, items, prices } = shop;
  const solution = solve(problem);
  const applied = (couponId: string | undefined, discountCents: number) => {
    const coupon = couponId ? shop.couponsById.get(couponId) : undefined;
    if (!coupon) return null;
    return {
      couponId: coupon.id,
      title: coupon.title,
      discountCents,
      requiresClip: coupon.requires_clip,
      clipped: coupon.clipped,
    };
  };

  const lines = new Map<number, OptimizePlan['stores'][number]['items']>();
  const unpriced = [...shop.unpriced];
  let oldest: Date | undefined;
  const coveredItems: number[] = [];
  solution.choices.forEach((choice, index) => {
    const { wanted, product } = items[index] as PricedShop['items'][number];
    if (!choice) {
      unpriced.push({
        productId: wanted.productId,
        text: wanted.text,
        quantity: wanted.quantity,
        reason: 'not-in-chosen-stores',
      });
      return;
    }
    coveredItems.push(index);
    const price = prices[index]?.[choice.store] as StorePrice;
    const option = problem.options[index]?.[choice.store]?.[choice.option] as LineOption;
    const shelf = price.priceCents * wanted.quantity;
    if (!oldest || price.observedAt < oldest) oldest = price.observedAt;
    const storeLines = lines.get(choice.store) ?? [];
    storeLines.push({
      productId: wanted.productId,
      text: wanted.text,
      name: product.name,
      quantity: wanted.quantity,
      unitPriceCents: price.priceCents,
      shelfCents: shelf,
      coupon: applied(option.couponId, shelf - option.costCents),
      lineCents: option.costCents,
      observedAt: price.observedAt.toISOString(),
      priceAgeDays: Math.max(0, Math.floor((now.getTime() - price.observedAt.getTime()) / DAY_MS)),
    });
    lines.set(choice.store, storeLines);
  });

  const planStores = [...solution.stores.entries()]
    .sort((a, b) => (stores[a[0]] as string).localeCompare(stores[b[0]] as string))
    .map(([store, outcome]) => ({
      storeSlug: stores[store] as string,
      items: lines.get(store) ?? [],
      subtotalCents: outcome.subtotalCents,
      spendCoupon: applied(outcome.spendOffer?.couponId, outcome.subtotalCents - outcome.totalCents),
      totalCents: outcome.totalCents,
    }));

  // Single-store comparison over the items the plan buys, under the same coupon rules.
  const singles: { storeSlug: string; totalCents: number }[] = [];
  stores.forEach((storeSlug, store) => {
    if (coveredItems.length === 0) return;
    if (!coveredItems.every((index) => problem.options[index]?.[store])) return;
    const single = solve({
      storeCount: 1,
      maxStores: 1,
      options: coveredItems.map((index) => [problem.options[index]?.[store]]),
      spendOffers: [problem.spendOffers[store] ?? []],
    });
    singles.push({ storeSlug, totalCents: single.totalCents });
  });
  const best = singles.reduce<(typeof singles)[number] | null>(
    (found, entry) => (!found || entry.totalCents < found.totalCents ? entry : found),
    null,
  );
  const average =
    singles.length > 0
      ? Math.round(singles.reduce((sum, entry) => sum + entry.totalCents, 0) / singles.length)
      : null;

  return {
    currency: request.currency,
    maxStores: request.maxStores,
    stores: planStores,
    totalCents: solution.totalCents,
    bestSingleStore: best,
    savingsVsBestSingleStoreCents: best ? best.totalCents - solution.totalCents : null,
    averageSingleStoreCents: average,
    savingsVsAverageCents: average === null ? null : average - solution.totalCents,
    unpricedItems: unpriced,
    oldestPriceObservedAt: oldest ? oldest.toISOString() : null,
    searchNodes: solution.nodes,
  };
}

export async function optimizeShopping(
  db: Kysely<DB>,
  userId: string,
  request: OptimizeRequest,
  now = new Date(),
): Promise<OptimizePlan> {
  const shop = await loadShop(db, userId, request, now);
  return buildPlan(shop, request, now);
}
