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

/** Keeps the newest observation per (product, store); an older one arriving late changes nothing. */
export async function recordObservedPrice(db: Executor<DB>, price: ObservedPrice): Promise<void> {
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

/** Latest prices of `productIds` in `currency`, one array-parameter query however long the list. */
export async function findStorePrices(
  db: Executor<DB>,
  productIds: string[],
  currency: string,
  stores?: string[],
): Promise<StorePrice[]> {
  if (productIds.length === 0) return [];
  let query = db
    .selectFrom('store_price')
    .select(['product_id', 'store_slug', 'price_cents', 'observed_at'])
    .where(sql<boolean>`product_id = any(${productIds}::uuid[])`)
    .where('currency', '=', currency);
  if (stores) query = query.where(sql<boolean>`store_slug = any(${stores}::text[])`);
  const rows = await query.execute();
  return rows.map((row) => ({
    productId: row.product_id,
    storeSlug: row.store_slug,
    priceCents: Number(row.price_cents),
    observedAt: row.observed_at,
  }));
}
