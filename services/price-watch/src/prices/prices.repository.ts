/** Read-side SQL of prices: everything here reads the rollups (price_daily, price_latest), never raw rows. */
import type { Executor } from '@cartwatch/db';
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

export async function latestPrices(db: Executor<DB>, productIds: string[]): Promise<LatestPriceRow[]> {
  if (productIds.length === 0) return [];
  return db
    .selectFrom('price_latest')
    .select([
      'product_id',
      'store_slug',
      'currency',
      'price_cents',
      'regular_price_cents',
      'is_sale',
      'unit_price_cents',
      'observed_at',
    ])
    .where('product_id', 'in', productIds)
    .orderBy('product_id')
    .orderBy('store_slug')
    .execute();
}

/** The currency of the product's most recent observation (series are never mixed across currencies). */
export async function mainCurrency(db: Executor<DB>, productId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('price_latest')
    .select('currency')
    .where('product_id', '=', productId)
    .orderBy('observed_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.currency;
}

export interface SeriesRow {
  period: string;
  min_cents: string;
  max_cents: string;
  sum_cents: string;
  count: string;
}

export async function priceSeries(
  db: Executor<DB>,
  filter: {
    productId: string;
    currency: string;
    store?: string | undefined;
    from: string;
    to: string;
    interval: 'day' | 'week' | 'month';
  },
): Promise<SeriesRow[]> {
  const bucket =
    filter.interval === 'day' ? sql`day` : sql`date_trunc(${filter.interval}, day::timestamp)::date`;
  const store = filter.store === undefined ? sql`` : sql`and store_slug = ${filter.store}`;
  const { rows } = await sql<SeriesRow>`
    select to_char(${bucket}, 'YYYY-MM-DD') as period, min(min_cents) as min_cents, max(max_cents) as max_cents,
           sum(sum_cents) as sum_cents, sum(count) as count
    from price_daily
    where product_id = ${filter.productId} and currency = ${filter.currency}
      and day between ${filter.from}::date and ${filter.to}::date ${store}
    group by 1 order by 1`.execute(db);
  return rows;
}

export interface CategoryTrendRow {
  category: string;
  currency: string;
  product_count: string;
  change_pct: string;
}

/**
 * Per category: the geometric mean of each product's average price in its last 7 priced days of the
 * window against its first 7 (products priced on at least two days).
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
      from price_daily d join product p on p.id = d.product_id
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

/** Products whose average price in the last 7 days is at least `minPct` above the week from `since`. */
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
      from price_daily d
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

/** Average price per product in each of the two months (USD observations of live products). */
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
    from price_daily d join product p on p.id = d.product_id
    where d.currency = ${filter.currency} and p.merged_into is null ${categories}
      and ((d.day >= ${`${a}-01`}::date and d.day < ${`${a}-01`}::date + interval '1 month')
        or (d.day >= ${`${b}-01`}::date and d.day < ${`${b}-01`}::date + interval '1 month'))
    group by 1, 2`.execute(db);
  return rows;
}
