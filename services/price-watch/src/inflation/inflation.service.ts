/**
 * The CartWatch basket index against the official CPI (method in docs/inflation.md): both as
 * year-over-year % for one month. CPI values are the shipped/imported BLS numbers, never derived.
 */
import {
  type BlsImportResult,
  type BlsSeriesImport,
  type Inflation,
  type InflationCategory,
  productCategoryTaxonomy,
} from '@cartwatch/common-types';
import type { Database } from '@cartwatch/db';
import { AppError } from '@cartwatch/service-kit';
import type { z } from 'zod';
import type { DB } from '../db/schema.js';
import { monthlyAverages } from '../prices/prices.repository.js';
import { cpiValue, insertCpiValues, newestCpiMonth } from './inflation.repository.js';

type Category = z.infer<typeof InflationCategory>;

const seriesOf: Record<Category, string> = {
  'food-at-home': 'CUUR0000SAF11',
  'all-items': 'CUUR0000SA0',
  'cereals-bakery': 'CUUR0000SAF111',
  'meat-poultry-fish-eggs': 'CUUR0000SAF112',
  dairy: 'CUUR0000SEFJ',
  'fruits-vegetables': 'CUUR0000SAF113',
  beverages: 'CUUR0000SAF114',
  'other-food': 'CUUR0000SAF115',
};

/**
 * BLS series per category, and the product categories that make up our basket for it: read off the
 * one declared taxonomy (`productCategoryTaxonomy`, docs/price-watch.md "Category taxonomy");
 * `food-at-home` and `all-items` take every product.
 */
export const inflationCategories: Record<Category, { seriesId: string; productCategories?: string[] }> =
  Object.fromEntries(
    (Object.keys(seriesOf) as Category[]).map((category) => {
      const productCategories = Object.entries(productCategoryTaxonomy)
        .filter(([, cpi]) => cpi === category)
        .map(([name]) => name);
      return [
        category,
        {
          seriesId: seriesOf[category],
          ...(category !== 'food-at-home' && category !== 'all-items' && { productCategories }),
        },
      ];
    }),
  ) as Record<Category, { seriesId: string; productCategories?: string[] }>;

export const INFLATION_METHOD =
  'CPI: BLS CPI-U (NSA) index of the month against the same month a year earlier. Basket: products priced (USD) in both months; ' +
  'each product’s average shared price per month across stores (a store’s own price, or the median of at least k shoppers’ receipts); the index change is the geometric mean of the price relatives (Jevons).';

function percentChange(now: number, before: number): number {
  return Math.round((now / before - 1) * 10_000) / 100;
}

export async function getInflation(
  database: Database<DB>,
  query: { period?: string | undefined; category: Category },
): Promise<z.infer<typeof Inflation>> {
  const { seriesId, productCategories } = inflationCategories[query.category];
  let year: number;
  let month: number;
  if (query.period) {
    [year, month] = query.period.split('-').map(Number) as [number, number];
  } else {
    const newest = await newestCpiMonth(database.db, seriesId);
    if (!newest) throw AppError.notFound('CPI series');
    ({ year, month } = newest);
  }
  const period = `${year}-${String(month).padStart(2, '0')}`;
  const previous = `${year - 1}-${String(month).padStart(2, '0')}`;
  const value = await cpiValue(database.db, seriesId, year, month);
  const previousYearValue = await cpiValue(database.db, seriesId, year - 1, month);

  const averages = await monthlyAverages(database.db, {
    months: [previous, period],
    currency: 'USD',
    categories: productCategories,
  });
  const byProduct = new Map<string, { before?: number; now?: number }>();
  for (const row of averages) {
    const entry = byProduct.get(row.product_id) ?? {};
    if (row.month === period) entry.now = Number(row.avg_cents);
    else entry.before = Number(row.avg_cents);
    byProduct.set(row.product_id, entry);
  }
  const logRelatives = [...byProduct.values()]
    .filter((entry): entry is { before: number; now: number } => !!entry.before && !!entry.now)
    .map((entry) => Math.log(entry.now / entry.before));
  const basketYoy =
    logRelatives.length > 0
      ? Math.round(
          (Math.exp(logRelatives.reduce((sum, x) => sum + x, 0) / logRelatives.length) - 1) * 10_000,
        ) / 100
      : null;

  return {
    period,
    category: query.category,
    cpi: {
      seriesId,
      value: value ?? null,
      previousYearValue: previousYearValue ?? null,
      yoyPct:
        value !== undefined && previousYearValue !== undefined
          ? percentChange(value, previousYearValue)
          : null,
    },
    basket: { yoyPct: basketYoy, productCount: logRelatives.length, currency: 'USD' },
    method: INFLATION_METHOD,
  };
}

/** Imports months from a BLS API v2 response; existing months are left as they are. */
export async function importBlsSeries(
  database: Database<DB>,
  body: z.infer<typeof BlsSeriesImport>,
): Promise<z.infer<typeof BlsImportResult>> {
  const values: { seriesId: string; year: number; month: number; value: string }[] = [];
  let skipped = 0;
  for (const series of body.Results.series) {
    for (const point of series.data) {
      // M13 is the annual average and "-" a month BLS did not publish: neither is a monthly value.
      if (point.period === 'M13' || point.value === '-') {
        skipped++;
        continue;
      }
      values.push({
        seriesId: series.seriesID,
        year: Number(point.year),
        month: Number(point.period.slice(1)),
        value: point.value,
      });
    }
  }
  const inserted = await insertCpiValues(database.db, values);
  return { inserted, unchanged: values.length - inserted, skipped };
}
