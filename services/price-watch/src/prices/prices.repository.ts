/**
 * Read-side SQL of prices: the rollups (price_latest, price_shared, price_shared_daily) and, for a
 * shopper's own views, that shopper's own observations.
 */
import { type Database, type Executor, executePrepared } from '@cartwatch/db';
import { sql } from 'kysely';
import type { DB } from '../db/schema.js';

export interface LatestPriceRow {
  product_id: string;
  store_slug: string;
  currency: string;
  price_cents: number;
  regular_price_cents: number | null;
  is_sale: boolean;
  unit_price_cents: string | null;
  observed_at: Date;
}

/** The columns of a price row, the same in price_latest, price_shared and price_observation. */
const PRICE_COLUMNS = [
  'product_id',
  'store_slug',
  'currency',
  'price_cents',
  'regular_price_cents',
  'is_sale',
  'unit_price_cents',
  'observed_at',
] as const;

export async function latestPrices(db: Executor<DB>, productIds: string[]): Promise<LatestPriceRow[]> {
  if (productIds.length === 0) return [];
  return db
    .selectFrom('price_latest')
    .select(PRICE_COLUMNS)
    .where('product_id', 'in', productIds)
    .orderBy('product_id')
    .orderBy('store_slug')
    .execute();
}

/**
 * The shared price of each product per store (docs/price-watch.md, "Consensus prices"): what other
 * users and the public pages see.
 */
export async function sharedPrices(db: Executor<DB>, productIds: string[]): Promise<LatestPriceRow[]> {
  if (productIds.length === 0) return [];
  return db
    .selectFrom('price_shared')
    .select(PRICE_COLUMNS)
    .where('product_id', 'in', productIds)
    .orderBy('product_id')
    .orderBy('store_slug')
    .execute();
}

/** The user's own newest receipt price of each product per store (dated in the past). */
export async function ownLatestPrices(
  db: Executor<DB>,
  userId: string,
  productIds: string[],
): Promise<LatestPriceRow[]> {
  if (productIds.length === 0) return [];
  return db
    .selectFrom('price_observation')
    .select(PRICE_COLUMNS)
    .distinctOn(['product_id', 'store_slug', 'currency'])
    .where('user_id', '=', userId)
    .where('product_id', 'in', productIds)
    .where('observed_at', '<=', new Date())
    .orderBy('product_id')
    .orderBy('store_slug')
    .orderBy('currency')
    .orderBy('observed_at', 'desc')
    .execute();
}

/**
 * What one user sees: the shared prices, and their own receipt price where it is newer (docs/price-watch.md:
 * a shopper's own receipts always drive that shopper's own views).
 */
export async function pricesSeenBy(
  db: Executor<DB>,
  userId: string | undefined,
  productIds: string[],
): Promise<LatestPriceRow[]> {
  const shared = await sharedPrices(db, productIds);
  if (!userId) return shared;
  const byKey = new Map(
    shared.map((row) => [`${row.product_id}\u0000${row.store_slug}\u0000${row.currency}`, row]),
  );
  for (const own of await ownLatestPrices(db, userId, productIds)) {
    const key = `${own.product_id}\u0000${own.store_slug}\u0000${own.currency}`;
    const kept = byKey.get(key);
    if (!kept || own.observed_at > kept.observed_at) byKey.set(key, own);
  }
  return [...byKey.values()].sort(
    (a, b) => a.product_id.localeCompare(b.product_id) || a.store_slug.localeCompare(b.store_slug),
  );
}

export interface SeriesRow {
  period: string;
  min_cents: string;
  max_cents: string;
  sum_cents: string;
  count: string;
  own_count: string;
}

export interface SeriesFilter {
  productId: string;
  /** The viewer: their own observations join the shared prices (none: the shared prices alone). */
  userId?: string | undefined;
  store?: string | undefined;
  from: string;
  to: string;
  interval: 'day' | 'week' | 'month';
}

/** The viewer's own observations of a product, dated in the past, with their UTC day. */
function ownObservations(productId: string, userId: string | undefined) {
  const owner = userId === undefined ? sql`false` : sql`o.user_id = ${userId}`;
  return sql`(
    select o.store_slug, o.currency, o.observed_at, (o.observed_at at time zone 'UTC')::date as day, o.price_cents
    from price_observation o
    where o.product_id = ${productId} and ${owner} and o.observed_at <= now())`;
}

/**
 * The prices one viewer sees of a product per store and day (docs/price-watch.md, "What a shopper
 * sees"): at a store on a day they observed it, their own observations (own = 1); elsewhere the shared
 * price of that store and day (price_shared_daily, own = 0). Another shopper's receipt counts only
 * through the consensus.
 */
export function pricesSeenByDay(productId: string, userId: string | undefined) {
  return sql`(
    with own as ${ownObservations(productId, userId)}
    select store_slug, currency, day, price_cents, 1 as own from own
    union all
    select d.store_slug, d.currency, d.day, d.price_cents, 0 as own
    from price_shared_daily d
    where d.product_id = ${productId}
      and not exists (select 1 from own where own.store_slug = d.store_slug and own.currency = d.currency
                                          and own.day = d.day))`;
}

/**
 * Median of the daily average prices of the last 90 days (all stores, one currency) that the watch's
 * owner sees (docs/price-watch.md, "What a shopper sees"): the shared prices plus the owner's own
 * observations, so another shopper's single receipt never moves it.
 */
export async function ninetyDayMedian(
  db: Executor<DB>,
  productId: string,
  currency: string,
  ownerId: string,
): Promise<number | undefined> {
  const { rows } = await sql<{ median: string | null }>`
    select percentile_cont(0.5) within group (order by avg_cents) as median
    from (select day, avg(price_cents) as avg_cents from ${pricesSeenByDay(productId, ownerId)} seen
          where currency = ${currency} and day >= current_date - 90
          group by day) daily`.execute(db);
  const median = rows[0]?.median;
  return median === null || median === undefined ? undefined : Number(median);
}

/**
 * One statement per series read: the product's name (no row at all: unknown product), the currency of
 * the newest price the viewer sees (shared or their own; series never mix currencies; null without
 * any) and the min/avg/max points in that currency over the prices the viewer sees per store and day
 * (period null: no point in the window). Exported for the benchmark's EXPLAIN.
 */
export function priceSeriesQuery(filter: SeriesFilter) {
  const bucket =
    filter.interval === 'day' ? sql`d.day` : sql`date_trunc(${filter.interval}, d.day::timestamp)::date`;
  const store = filter.store === undefined ? sql`` : sql`and d.store_slug = ${filter.store}`;
  return sql<{
    name: string;
    currency: string | null;
    period: string | null;
    min_cents: string;
    max_cents: string;
    sum_cents: string;
    count: string;
    own_count: string;
  }>`
    with main as (
      select currency from (
        select currency, observed_at from price_shared where product_id = ${filter.productId}
        union all
        select currency, observed_at from ${ownObservations(filter.productId, filter.userId)} own
      ) newest
      order by observed_at desc limit 1
    )
    select p.name, main.currency, s.period, s.min_cents, s.max_cents, s.sum_cents, s.count, s.own_count
    from product p
    left join main on true
    left join lateral (
      select to_char(${bucket}, 'YYYY-MM-DD') as period, min(d.price_cents) as min_cents,
             max(d.price_cents) as max_cents, sum(d.price_cents) as sum_cents, count(*) as count,
             sum(d.own) as own_count
      from ${pricesSeenByDay(filter.productId, filter.userId)} d
      where d.currency = main.currency
        and d.day between ${filter.from}::date and ${filter.to}::date ${store}
      group by 1
    ) s on true
    where p.id = ${filter.productId}
    order by s.period`;
}

/** The product's series in its main currency as the viewer sees it; undefined for an unknown product. */
export async function priceSeries(
  database: Database<DB>,
  filter: SeriesFilter,
): Promise<{ productName: string; currency: string | null; rows: SeriesRow[] } | undefined> {
  // The hottest read of the service (every chart): prepared, since planning it cost more than running
  // it. Its text comes from eight variants (day or not, store or not, viewer or not).
  const rows = await executePrepared(database.pool, priceSeriesQuery(filter).compile(database.db));
  const [first] = rows;
  if (!first) return undefined;
  return {
    productName: first.name,
    currency: first.currency,
    rows: rows.flatMap(({ name: _name, currency: _currency, period, ...row }) =>
      period === null ? [] : [{ period, ...row }],
    ),
  };
}

/**
 * The daily shared prices (docs/price-watch.md, "Shared figures over time") in price_daily's shape, one
 * price per product, store, currency and day: what every figure shown beyond a shopper's own views
 * aggregates, so none rests on fewer than k contributors or moves with one person's receipt.
 */
const SHARED_DAYS = sql`(
  select product_id, store_slug, currency, day, price_cents as sum_cents, 1 as count
  from price_shared_daily)`;

/**
 * The public series of a product: its product row, the currency of its newest shared price and per day
 * the min/avg/max of its stores' shared prices (count: the stores priced that day). One statement, like
 * priceSeriesQuery. Exported for the benchmark's EXPLAIN.
 */
export function sharedSeriesQuery(filter: { productId: string; from: string; to: string }) {
  return sql<{
    name: string;
    currency: string | null;
    period: string | null;
    min_cents: string;
    max_cents: string;
    sum_cents: string;
    count: string;
    own_count: string;
  }>`
    with main as (
      select currency from price_shared where product_id = ${filter.productId}
      order by observed_at desc limit 1
    )
    select p.name, main.currency, s.period, s.min_cents, s.max_cents, s.sum_cents, s.count, s.own_count
    from product p
    left join main on true
    left join lateral (
      select to_char(d.day, 'YYYY-MM-DD') as period, min(d.price_cents) as min_cents,
             max(d.price_cents) as max_cents, sum(d.price_cents) as sum_cents, count(*) as count,
             0 as own_count
      from price_shared_daily d
      where d.product_id = p.id and d.currency = main.currency
        and d.day between ${filter.from}::date and ${filter.to}::date
      group by 1
    ) s on true
    where p.id = ${filter.productId}
    order by s.period`;
}

/** The product's public series in the currency of its newest shared price; undefined for an unknown product. */
export async function sharedSeries(
  database: Database<DB>,
  filter: { productId: string; from: string; to: string },
): Promise<{ productName: string; currency: string | null; rows: SeriesRow[] } | undefined> {
  const rows = await executePrepared(database.pool, sharedSeriesQuery(filter).compile(database.db));
  const [first] = rows;
  if (!first) return undefined;
  return {
    productName: first.name,
    currency: first.currency,
    rows: rows.flatMap(({ name: _name, currency: _currency, period, ...row }) =>
      period === null ? [] : [{ period, ...row }],
    ),
  };
}

export interface CategoryTrendRow {
  category: string;
  currency: string;
  product_count: string;
  change_pct: string;
}

/**
 * Per category: the geometric mean of each product's average shared price in its last 7 priced days of
 * the window against its first 7 (products priced on at least two days).
 */
export async function categoryTrends(
  db: Executor<DB>,
  filter: { from: string; to: string; category?: string | undefined },
): Promise<CategoryTrendRow[]> {
  const category =
    filter.category === undefined ? sql`` : sql`and lower(p.category) = ${filter.category.toLowerCase()}`;
  const { rows } = await sql<CategoryTrendRow>`
    with days as (
      select p.category, d.product_id, d.currency, d.day, d.sum_cents, d.count,
             min(d.day) over (partition by d.product_id, d.currency) as first_day,
             max(d.day) over (partition by d.product_id, d.currency) as last_day
      from ${SHARED_DAYS} d join product p on p.id = d.product_id
      where d.day between ${filter.from}::date and ${filter.to}::date
        and p.category is not null and p.merged_into is null ${category}
    ), per_product as (
      select category, product_id, currency,
             sum(sum_cents) filter (where day < first_day + 7)::numeric
               / nullif(sum(count) filter (where day < first_day + 7), 0) as first_avg,
             sum(sum_cents) filter (where day > last_day - 7)::numeric
               / nullif(sum(count) filter (where day > last_day - 7), 0) as last_avg
      from days where last_day > first_day
      group by 1, 2, 3
    )
    select category, currency, count(*) as product_count,
           round((exp(avg(ln(last_avg / first_avg))) - 1) * 100, 2) as change_pct
    from per_product where first_avg > 0 and last_avg > 0
    group by 1, 2 order by 1, 2`.execute(db);
  return rows;
}

export interface IncreaseRow {
  product_id: string;
  name: string;
  currency: string;
  from_avg: string;
  to_avg: string;
  change_pct: string;
}

/** Products whose average shared price in the last 7 days is at least `minPct` above the week from `since`. */
export async function priceIncreases(
  db: Executor<DB>,
  filter: { since: string; today: string; minPct: number; limit: number; offset: number },
): Promise<IncreaseRow[]> {
  const { rows } = await sql<IncreaseRow>`
    with per_product as (
      select d.product_id, d.currency,
             sum(d.sum_cents) filter (where d.day < ${filter.since}::date + 7)::numeric
               / nullif(sum(d.count) filter (where d.day < ${filter.since}::date + 7), 0) as from_avg,
             sum(d.sum_cents) filter (where d.day > ${filter.today}::date - 7)::numeric
               / nullif(sum(d.count) filter (where d.day > ${filter.today}::date - 7), 0) as to_avg
      from ${SHARED_DAYS} d
      where d.day >= ${filter.since}::date and d.day <= ${filter.today}::date
      group by 1, 2
    )
    select pp.product_id, p.name, pp.currency, round(pp.from_avg) as from_avg, round(pp.to_avg) as to_avg,
           round((pp.to_avg / pp.from_avg - 1) * 100, 2) as change_pct
    from per_product pp join product p on p.id = pp.product_id
    where pp.from_avg > 0 and pp.to_avg is not null and p.merged_into is null
      and (pp.to_avg / pp.from_avg - 1) * 100 >= ${filter.minPct}
    order by change_pct desc, pp.product_id
    limit ${filter.limit} offset ${filter.offset}`.execute(db);
  return rows;
}

export interface MonthlyAverageRow {
  product_id: string;
  month: string;
  avg_cents: string;
}

/** Average shared price per product in each of the two months (USD, live products). */
export async function monthlyAverages(
  db: Executor<DB>,
  filter: { months: [string, string]; currency: string; categories?: string[] | undefined },
): Promise<MonthlyAverageRow[]> {
  const [a, b] = filter.months;
  const categories =
    filter.categories === undefined
      ? sql``
      : sql`and lower(p.category) in (${sql.join(filter.categories.map((category) => sql`${category}`))})`;
  const { rows } = await sql<MonthlyAverageRow>`
    select d.product_id, to_char(date_trunc('month', d.day::timestamp), 'YYYY-MM') as month,
           sum(d.sum_cents)::numeric / sum(d.count) as avg_cents
    from ${SHARED_DAYS} d join product p on p.id = d.product_id
    where d.currency = ${filter.currency} and p.merged_into is null ${categories}
      and ((d.day >= ${`${a}-01`}::date and d.day < ${`${a}-01`}::date + interval '1 month')
        or (d.day >= ${`${b}-01`}::date and d.day < ${`${b}-01`}::date + interval '1 month'))
    group by 1, 2`.execute(db);
  return rows;
}
