/** The local price read model: latest price per product and store, and product facts, from price.observed.v1. */
import type { Executor } from '@cartwatch/db';
import { sql } from 'kysely';
import type { DB } from '../db/schema.js';

export interface ObservedPrice {
  observationId: string;
  productId: string;
  gtin?: string | undefined;
  name: string;
  brand?: string | undefined;
  category?: string | undefined;
  storeSlug: string;
  priceCents: number;
  regularPriceCents?: number | undefined;
  currency: string;
  isSale: boolean;
  source: string;
  observedAt: string;
}

/**
 * Keeps the product facts, and the newest price per (product, store): a store-sourced one in store_price
 * (every user's plans), a receipt one in its buyer's own_price only (docs/price-watch.md, "Consensus
 * prices"); an older one arriving late changes nothing.
 */
export async function recordObservedPrice(
  db: Executor<DB>,
  price: ObservedPrice,
  buyerId?: string,
): Promise<void> {
  await db
    .insertInto('product')
    .values({
      product_id: price.productId,
      name: price.name,
      gtin: price.gtin ?? null,
      brand: price.brand ?? null,
      category: price.category ?? null,
      updated_at: price.observedAt,
    })
    .onConflict((oc) =>
      oc
        .column('product_id')
        .doUpdateSet((eb) => ({
          name: eb.ref('excluded.name'),
          gtin: eb.fn.coalesce('excluded.gtin', 'product.gtin'),
          brand: eb.fn.coalesce('excluded.brand', 'product.brand'),
          category: eb.fn.coalesce('excluded.category', 'product.category'),
          updated_at: eb.ref('excluded.updated_at'),
        }))
        .where('product.updated_at', '<=', new Date(price.observedAt)),
    )
    .execute();
  if (price.source === 'receipt') {
    if (buyerId) await recordOwnPrice(db, buyerId, price);
    return;
  }
  await upsertStorePrice(db, price);
}

async function recordOwnPrice(db: Executor<DB>, userId: string, price: ObservedPrice): Promise<void> {
  await db
    .insertInto('own_price')
    .values({
      user_id: userId,
      product_id: price.productId,
      store_slug: price.storeSlug,
      price_cents: price.priceCents,
      currency: price.currency,
      observation_id: price.observationId,
      observed_at: price.observedAt,
    })
    .onConflict((oc) =>
      oc
        .columns(['user_id', 'product_id', 'store_slug'])
        .doUpdateSet((eb) => ({
          price_cents: eb.ref('excluded.price_cents'),
          currency: eb.ref('excluded.currency'),
          observation_id: eb.ref('excluded.observation_id'),
          observed_at: eb.ref('excluded.observed_at'),
        }))
        .where('own_price.observed_at', '<', new Date(price.observedAt)),
    )
    .execute();
}

export interface SharedPriceInput {
  observationId: string;
  productId: string;
  storeSlug: string;
  priceCents: number;
  regularPriceCents?: number | undefined;
  currency: string;
  isSale: boolean;
  basis: 'store' | 'consensus';
  observedAt: string;
}

/** price.shared.v1: a store price or a receipt consensus every user's plans may use. */
export async function recordSharedPrice(db: Executor<DB>, shared: SharedPriceInput): Promise<void> {
  await upsertStorePrice(db, { ...shared, source: shared.basis === 'store' ? 'store' : 'consensus' });
}

async function upsertStorePrice(
  db: Executor<DB>,
  price: Pick<
    ObservedPrice,
    | 'productId'
    | 'storeSlug'
    | 'priceCents'
    | 'regularPriceCents'
    | 'currency'
    | 'isSale'
    | 'source'
    | 'observationId'
    | 'observedAt'
  >,
): Promise<void> {
  await db
    .insertInto('store_price')
    .values({
      product_id: price.productId,
      store_slug: price.storeSlug,
      price_cents: price.priceCents,
      regular_price_cents: price.regularPriceCents ?? null,
      currency: price.currency,
      is_sale: price.isSale,
      source: price.source,
      observation_id: price.observationId,
      observed_at: price.observedAt,
    })
    .onConflict((oc) =>
      oc
        .columns(['product_id', 'store_slug'])
        .doUpdateSet((eb) => ({
          price_cents: eb.ref('excluded.price_cents'),
          regular_price_cents: eb.ref('excluded.regular_price_cents'),
          currency: eb.ref('excluded.currency'),
          is_sale: eb.ref('excluded.is_sale'),
          source: eb.ref('excluded.source'),
          observation_id: eb.ref('excluded.observation_id'),
          observed_at: eb.ref('excluded.observed_at'),
        }))
        .where('store_price.observed_at', '<', new Date(price.observedAt)),
    )
    .execute();
}

export interface ProductFacts {
  productId: string;
  name: string;
  brand: string | null;
  category: string | null;
}

export async function findProducts(
  db: Executor<DB>,
  productIds: string[],
): Promise<Map<string, ProductFacts>> {
  if (productIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('product')
    .select(['product_id', 'name', 'brand', 'category'])
    .where(sql<boolean>`product_id = any(${productIds}::uuid[])`)
    .execute();
  return new Map(
    rows.map((row) => [
      row.product_id,
      { productId: row.product_id, name: row.name, brand: row.brand, category: row.category },
    ]),
  );
}

export interface StorePrice {
  productId: string;
  storeSlug: string;
  priceCents: number;
  observedAt: Date;
}

/**
 * Latest prices of `productIds` in `currency` as `userId` may plan with them: the shared ones, and the
 * user's own receipt price where it is newer (docs/price-watch.md, "Consensus prices").
 */
export async function findStorePrices(
  db: Executor<DB>,
  productIds: string[],
  currency: string,
  stores: string[] | undefined,
  userId: string,
): Promise<StorePrice[]> {
  if (productIds.length === 0) return [];
  const [shared, own] = await Promise.all([
    storePricesFrom(db, { table: 'store_price' }, productIds, currency, stores),
    storePricesFrom(db, { table: 'own_price', userId }, productIds, currency, stores),
  ]);
  const byKey = new Map(shared.map((price) => [`${price.productId}\u0000${price.storeSlug}`, price]));
  for (const price of own) {
    const key = `${price.productId}\u0000${price.storeSlug}`;
    const kept = byKey.get(key);
    if (!kept || price.observedAt > kept.observedAt) byKey.set(key, price);
  }
  return [...byKey.values()];
}

/** One statement over the shared prices (`store_price`) or one user's own (`own_price`). */
async function storePricesFrom(
  db: Executor<DB>,
  from: { table: 'store_price' } | { table: 'own_price'; userId: string },
  productIds: string[],
  currency: string,
  stores: string[] | undefined,
): Promise<StorePrice[]> {
  const owner = from.table === 'own_price' ? sql`and user_id = ${from.userId}` : sql``;
  const store = stores ? sql`and store_slug = any(${stores}::text[])` : sql``;
  const { rows } = await sql<{
    product_id: string;
    store_slug: string;
    price_cents: string;
    observed_at: Date;
  }>`
    select product_id, store_slug, price_cents, observed_at from ${sql.table(from.table)}
    where product_id = any(${productIds}::uuid[]) and currency = ${currency} ${owner} ${store}`.execute(db);
  return rows.map((row) => ({
    productId: row.product_id,
    storeSlug: row.store_slug,
    priceCents: Number(row.price_cents),
    observedAt: row.observed_at,
  }));
}

/** Forgets the prices the user's own receipts recorded. */
export async function deleteUserOwnPrices(db: Executor<DB>, userId: string): Promise<void> {
  await db.deleteFrom('own_price').where('user_id', '=', userId).execute();
}
