/**
 * SQL of shared prices (docs/price-watch.md, "Consensus prices"): the evidence of one product at one
 * store, and the price_shared row recomputed from it in the caller's transaction.
 */
import type { Executor } from '@cartwatch/db';
import { sql } from 'kysely';
import type { DB } from '../db/schema.js';
import {
  type ConsensusOptions,
  type Evidence,
  endOfDay,
  type SharedPrice,
  sharedPriceOf,
  sharedPricesByDay,
  utcDay,
} from './consensus.js';

export interface SharedKey {
  productId: string;
  storeSlug: string;
  currency: string;
}

export interface SharedOptions extends ConsensusOptions {
  /** How far back evidence counts (days before now). */
  windowDays: number;
}

export interface SharedRow {
  observation_id: string;
  price_cents: number;
  regular_price_cents: number | null;
  is_sale: boolean;
  basis: 'store' | 'consensus';
  contributors: number;
  observed_at: Date;
}

const DAY_MS = 86_400_000;

/** Observations of the window, dated in the past: "latest" is never a max over future dates. */
export async function evidenceOf(
  db: Executor<DB>,
  key: SharedKey,
  windowDays: number,
  now: Date,
): Promise<Evidence[]> {
  const rows = await db
    .selectFrom('price_observation')
    .select(['id', 'price_cents', 'source', 'user_id', 'observed_at'])
    .where('product_id', '=', key.productId)
    .where('store_slug', '=', key.storeSlug)
    .where('currency', '=', key.currency)
    .where('observed_at', '<=', now)
    .where('observed_at', '>', new Date(now.getTime() - windowDays * DAY_MS))
    .orderBy('observed_at', 'desc')
    .limit(1000)
    .execute();
  return rows.map((row) => ({
    observationId: row.id,
    priceCents: Number(row.price_cents),
    source: row.source,
    userId: row.user_id,
    observedAt: row.observed_at,
  }));
}

export async function sharedRowOf(db: Executor<DB>, key: SharedKey): Promise<SharedRow | undefined> {
  const row = await db
    .selectFrom('price_shared')
    .select([
      'observation_id',
      'price_cents',
      'regular_price_cents',
      'is_sale',
      'basis',
      'contributors',
      'observed_at',
    ])
    .where('product_id', '=', key.productId)
    .where('store_slug', '=', key.storeSlug)
    .where('currency', '=', key.currency)
    .executeTakeFirst();
  return (
    row && {
      ...row,
      price_cents: Number(row.price_cents),
      regular_price_cents: row.regular_price_cents === null ? null : Number(row.regular_price_cents),
    }
  );
}

async function writeShared(db: Executor<DB>, shared: SharedPrice): Promise<void> {
  await sql`
    insert into price_shared (product_id, store_slug, currency, observation_id, price_cents, regular_price_cents,
                              is_sale, unit_price_cents, basis, contributors, observed_at)
    select product_id, store_slug, currency, id, ${shared.priceCents}, regular_price_cents, is_sale,
           unit_price_cents, ${shared.basis}, ${shared.contributors}, ${shared.observedAt.toISOString()}::timestamptz
    from price_observation where id = ${shared.observationId}
    on conflict (product_id, store_slug, currency) do update set
      observation_id = excluded.observation_id, price_cents = excluded.price_cents,
      regular_price_cents = excluded.regular_price_cents, is_sale = excluded.is_sale,
      unit_price_cents = excluded.unit_price_cents, basis = excluded.basis,
      contributors = excluded.contributors, observed_at = excluded.observed_at, updated_at = now()`.execute(
    db,
  );
}

export interface SharedChange {
  before: SharedRow | undefined;
  after: SharedRow | undefined;
  /** The shared price moved: another price, or another observation standing for it. */
  changed: boolean;
}

/** Recomputes the shared price of one product at one store from its evidence. */
export async function recomputeShared(
  db: Executor<DB>,
  key: SharedKey,
  options: SharedOptions,
  now: Date = new Date(),
): Promise<SharedChange> {
  const before = await sharedRowOf(db, key);
  const shared = sharedPriceOf(await evidenceOf(db, key, options.windowDays, now), options);
  if (!shared) {
    if (before) {
      await db
        .deleteFrom('price_shared')
        .where('product_id', '=', key.productId)
        .where('store_slug', '=', key.storeSlug)
        .where('currency', '=', key.currency)
        .execute();
    }
    return { before, after: undefined, changed: before !== undefined };
  }
  if (
    before &&
    before.observation_id === shared.observationId &&
    before.price_cents === shared.priceCents &&
    before.contributors === shared.contributors &&
    before.observed_at.getTime() === shared.observedAt.getTime()
  ) {
    return { before, after: before, changed: false };
  }
  await writeShared(db, shared);
  const after = await sharedRowOf(db, key);
  return {
    before,
    after,
    changed:
      !before || before.price_cents !== after?.price_cents || before.observation_id !== after?.observation_id,
  };
}

function sharedDayRows(key: SharedKey, days: Array<{ day: string; shared: SharedPrice }>) {
  return days.map(({ day, shared }) => ({
    product_id: key.productId,
    day,
    store_slug: key.storeSlug,
    currency: key.currency,
    price_cents: shared.priceCents,
    basis: shared.basis,
    contributors: shared.contributors,
    observation_id: shared.observationId,
  }));
}

async function insertSharedDays(db: Executor<DB>, rows: ReturnType<typeof sharedDayRows>): Promise<void> {
  for (let offset = 0; offset < rows.length; offset += 500) {
    await db
      .insertInto('price_shared_daily')
      .values(rows.slice(offset, offset + 500))
      .execute();
  }
}

/**
 * The daily shared prices of one product at one store that an observation dated on `day` bears on
 * (docs/price-watch.md, "Shared figures over time"): every day from `day` to `windowDays` after it (each
 * day's shared price rests on the evidence of the window ending with it), recomputed from one read of
 * the evidence, so a receipt entered late gives the same rows as a rebuild. No shared price: no row.
 */
export async function recomputeSharedDays(
  db: Executor<DB>,
  key: SharedKey,
  day: string,
  options: SharedOptions,
  now: Date = new Date(),
): Promise<void> {
  const dayStart = Date.parse(`${day}T00:00:00Z`);
  const last = utcDay(new Date(Math.min(dayStart + options.windowDays * DAY_MS, now.getTime())));
  const rows = await db
    .selectFrom('price_observation')
    .select(['id', 'price_cents', 'source', 'user_id', 'observed_at'])
    .where('product_id', '=', key.productId)
    .where('store_slug', '=', key.storeSlug)
    .where('currency', '=', key.currency)
    .where('observed_at', '>', new Date(dayStart - options.windowDays * DAY_MS))
    .where('observed_at', '<=', endOfDay(last, now))
    .execute();
  const days = sharedPricesByDay(rows.map(toEvidence), options, now).filter((entry) => entry.day >= day);
  await db
    .deleteFrom('price_shared_daily')
    .where('product_id', '=', key.productId)
    .where('store_slug', '=', key.storeSlug)
    .where('currency', '=', key.currency)
    .where('day', '>=', day)
    .where('day', '<=', last)
    .execute();
  await insertSharedDays(db, sharedDayRows(key, days));
}

function toEvidence(row: {
  id: string;
  price_cents: number;
  source: Evidence['source'];
  user_id: string | null;
  observed_at: Date;
}): Evidence {
  return {
    observationId: row.id,
    priceCents: Number(row.price_cents),
    source: row.source,
    userId: row.user_id,
    observedAt: row.observed_at,
  };
}

/**
 * Rebuilds the daily shared prices of the products from all their observations (after a merge or split,
 * and the migration's backfill): one read per product, the days computed in memory.
 */
export async function rebuildSharedDaily(
  db: Executor<DB>,
  productIds: string[],
  options: SharedOptions,
  now: Date = new Date(),
): Promise<void> {
  if (productIds.length === 0) return;
  await db.deleteFrom('price_shared_daily').where('product_id', 'in', productIds).execute();
  for (const productId of productIds) {
    const rows = await db
      .selectFrom('price_observation')
      .select(['id', 'store_slug', 'currency', 'price_cents', 'source', 'user_id', 'observed_at'])
      .where('product_id', '=', productId)
      .where('observed_at', '<=', now)
      .execute();
    const byKey = new Map<string, { key: SharedKey; evidence: Evidence[] }>();
    for (const row of rows) {
      const id = `${row.store_slug}\u0000${row.currency}`;
      const entry = byKey.get(id) ?? {
        key: { productId, storeSlug: row.store_slug, currency: row.currency },
        evidence: [],
      };
      entry.evidence.push(toEvidence(row));
      byKey.set(id, entry);
    }
    for (const { key, evidence } of byKey.values()) {
      await insertSharedDays(db, sharedDayRows(key, sharedPricesByDay(evidence, options, now)));
    }
  }
}

/** Every product, store and currency a user contributed receipts to (recomputed after a deletion). */
export async function keysContributedBy(db: Executor<DB>, userId: string): Promise<SharedKey[]> {
  const rows = await db
    .selectFrom('price_observation')
    .select(['product_id', 'store_slug', 'currency'])
    .distinct()
    .where('user_id', '=', userId)
    .execute();
  return rows.map((row) => ({
    productId: row.product_id,
    storeSlug: row.store_slug,
    currency: row.currency,
  }));
}

/** Recomputes every shared price of the products (after a merge or split moved their observations). */
export async function recomputeSharedOfProducts(
  db: Executor<DB>,
  productIds: string[],
  options: SharedOptions,
): Promise<void> {
  if (productIds.length === 0) return;
  await db.deleteFrom('price_shared').where('product_id', 'in', productIds).execute();
  await rebuildSharedDaily(db, productIds, options);
  const keys = await db
    .selectFrom('price_observation')
    .select(['product_id', 'store_slug', 'currency'])
    .distinct()
    .where('product_id', 'in', productIds)
    .execute();
  for (const key of keys) {
    await recomputeShared(
      db,
      { productId: key.product_id, storeSlug: key.store_slug, currency: key.currency },
      options,
    );
  }
}

export interface SuspiciousRow {
  observation_id: string;
  product_id: string;
  name: string;
  store_slug: string;
  price_cents: string;
  currency: string;
  shared_cents: string;
  user_id: string | null;
  observed_at: Date;
}

/**
 * Admins' queue of suspicious prices: receipt prices of the last `windowDays` more than 35 % away from
 * the shared price of their product and store (3.5 times the 10 % floor of the outlier test), newest first.
 */
export async function suspiciousPrices(
  db: Executor<DB>,
  filter: { windowDays: number; limit: number },
): Promise<SuspiciousRow[]> {
  const { rows } = await sql<SuspiciousRow>`
    select o.id as observation_id, o.product_id, p.name, o.store_slug, o.price_cents, o.currency,
           s.price_cents as shared_cents, o.user_id, o.observed_at
    from price_observation o
    join price_shared s on s.product_id = o.product_id and s.store_slug = o.store_slug and s.currency = o.currency
    join product p on p.id = o.product_id
    where o.source = 'receipt' and o.observed_at > now() - make_interval(days => ${filter.windowDays})
      and s.price_cents > 0 and abs(o.price_cents - s.price_cents) > 0.35 * s.price_cents
    order by o.observed_at desc, o.id desc
    limit ${filter.limit}`.execute(db);
  return rows;
}
