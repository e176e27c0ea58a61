/**
 * SQL of price observations and their rollups. `price_daily` and `price_latest` are kept up to date
 * incrementally with every insert; `recomputeRollups` rebuilds them from raw rows after a merge/split
 * (and is what the rollup test compares against).
 */
import { randomUUID } from 'node:crypto';
import type { Executor } from '@cartwatch/db';
import { sql } from 'kysely';
import type { DB } from '../db/schema.js';
import type { SharedKey } from './consensus.repository.js';

export interface NewObservation {
  id: string;
  productId: string;
  storeSlug: string;
  locationId: string | null;
  priceCents: number;
  regularPriceCents: number | null;
  currency: string;
  priceType: 'regular' | 'sale' | 'coupon';
  isSale: boolean;
  unitPriceCents: number | null;
  source: 'receipt' | 'catalog' | 'url';
  userId: string | null;
  lineId: string | null;
  watchId: string | null;
  observedAt: string;
}

/** Inserts the observation and folds it into the day's rollup and the store's latest price. */
export async function insertObservation(db: Executor<DB>, observation: NewObservation): Promise<boolean> {
  const inserted = await db
    .insertInto('price_observation')
    .values({
      id: observation.id,
      product_id: observation.productId,
      store_slug: observation.storeSlug,
      location_id: observation.locationId,
      price_cents: observation.priceCents,
      regular_price_cents: observation.regularPriceCents,
      currency: observation.currency,
      price_type: observation.priceType,
      is_sale: observation.isSale,
      unit_price_cents: observation.unitPriceCents === null ? null : observation.unitPriceCents.toFixed(8),
      source: observation.source,
      user_id: observation.userId,
      line_id: observation.lineId,
      watch_id: observation.watchId,
      observed_at: observation.observedAt,
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!inserted) return false;

  await sql`
    insert into price_daily (product_id, store_slug, currency, day, min_cents, max_cents, sum_cents, count)
    values (${observation.productId}, ${observation.storeSlug}, ${observation.currency},
            (${observation.observedAt}::timestamptz at time zone 'UTC')::date,
            ${observation.priceCents}, ${observation.priceCents}, ${observation.priceCents}, 1)
    on conflict (product_id, day, store_slug, currency) do update set
      min_cents = least(price_daily.min_cents, excluded.min_cents),
      max_cents = greatest(price_daily.max_cents, excluded.max_cents),
      sum_cents = price_daily.sum_cents + excluded.sum_cents,
      count = price_daily.count + 1`.execute(db);

  await sql`
    insert into price_latest (product_id, store_slug, currency, observation_id, price_cents, regular_price_cents,
                              is_sale, unit_price_cents, observed_at)
    values (${observation.productId}, ${observation.storeSlug}, ${observation.currency}, ${observation.id},
            ${observation.priceCents}, ${observation.regularPriceCents}, ${observation.isSale},
            ${observation.unitPriceCents === null ? null : observation.unitPriceCents.toFixed(8)}, ${observation.observedAt})
    on conflict (product_id, store_slug, currency) do update set
      observation_id = excluded.observation_id, price_cents = excluded.price_cents,
      regular_price_cents = excluded.regular_price_cents, is_sale = excluded.is_sale,
      unit_price_cents = excluded.unit_price_cents, observed_at = excluded.observed_at
    where (excluded.observed_at, excluded.observation_id) > (price_latest.observed_at, price_latest.observation_id)`.execute(
    db,
  );
  return true;
}

/** Rebuilds the rollups of the given products from raw observations. */
export async function recomputeRollups(db: Executor<DB>, productIds: string[]): Promise<void> {
  if (productIds.length === 0) return;
  const ids = sql.join(productIds.map((id) => sql`${id}::uuid`));
  await sql`delete from price_daily where product_id in (${ids})`.execute(db);
  await sql`
    insert into price_daily (product_id, store_slug, currency, day, min_cents, max_cents, sum_cents, count)
    select product_id, store_slug, currency, (observed_at at time zone 'UTC')::date,
           min(price_cents), max(price_cents), sum(price_cents), count(*)
    from price_observation where product_id in (${ids})
    group by 1, 2, 3, 4`.execute(db);
  await sql`delete from price_latest where product_id in (${ids})`.execute(db);
  await sql`
    insert into price_latest (product_id, store_slug, currency, observation_id, price_cents, regular_price_cents,
                              is_sale, unit_price_cents, observed_at)
    select distinct on (product_id, store_slug, currency)
           product_id, store_slug, currency, id, price_cents, regular_price_cents, is_sale, unit_price_cents, observed_at
    from price_observation where product_id in (${ids})
    order by product_id, store_slug, currency, observed_at desc, id desc`.execute(db);
}

/**
 * Removes the personal link of a user's receipt observations and attribute statements (docs/privacy.md):
 * the account id becomes a
 * random pseudonym, one per deleted account and kept nowhere else, so the prices still count as one
 * contributor in a consensus and nothing leads back to the person.
 */
export async function anonymizeUserObservations(db: Executor<DB>, userId: string): Promise<void> {
  const pseudonym = randomUUID();
  await db
    .updateTable('price_observation')
    .set({ user_id: pseudonym })
    .where('user_id', '=', userId)
    .execute();
  // Their statements of products' brand, category and size (docs/price-watch.md, "Product attributes")
  // stay votes under the same pseudonym, so product attributes do not change either.
  await db
    .updateTable('product_attribute_vote')
    .set({ voter: pseudonym })
    .where('source', '=', 'receipt')
    .where('voter', '=', userId)
    .execute();
}

/** The contributor's own newest receipt price at the store, dated in the past. */
export async function ownPrevious(
  db: Executor<DB>,
  userId: string,
  key: SharedKey,
  now: Date,
): Promise<{ priceCents: number; currency: string; observedAt: Date } | undefined> {
  const row = await db
    .selectFrom('price_observation')
    .select(['price_cents', 'currency', 'observed_at'])
    .where('user_id', '=', userId)
    .where('product_id', '=', key.productId)
    .where('store_slug', '=', key.storeSlug)
    .where('currency', '=', key.currency)
    .where('observed_at', '<=', now)
    .orderBy('observed_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row && { priceCents: Number(row.price_cents), currency: row.currency, observedAt: row.observed_at };
}
