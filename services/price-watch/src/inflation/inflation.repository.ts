/** SQL of the shipped and imported BLS CPI values. */
import type { Executor } from '@cartwatch/db';
import { sql } from 'kysely';
import type { DB } from '../db/schema.js';

export async function cpiValue(
  db: Executor<DB>,
  seriesId: string,
  year: number,
  month: number,
): Promise<number | undefined> {
  const row = await db
    .selectFrom('cpi_value')
    .select('value')
    .where('series_id', '=', seriesId)
    .where('year', '=', year)
    .where('month', '=', month)
    .executeTakeFirst();
  return row ? Number(row.value) : undefined;
}

export async function newestCpiMonth(
  db: Executor<DB>,
  seriesId: string,
): Promise<{ year: number; month: number } | undefined> {
  return db
    .selectFrom('cpi_value')
    .select(['year', 'month'])
    .where('series_id', '=', seriesId)
    .orderBy('year', 'desc')
    .orderBy('month', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** Inserts values; an existing month keeps its value (BLS does not revise NSA CPI-U). Returns rows inserted. */
export async function insertCpiValues(
  db: Executor<DB>,
  values: { seriesId: string; year: number; month: number; value: string }[],
): Promise<number> {
  if (values.length === 0) return 0;
  const result = await db
    .insertInto('cpi_value')
    .values(
      values.map((value) => ({
        series_id: value.seriesId,
        year: value.year,
        month: value.month,
        value: value.value,
      })),
    )
    .onConflict((oc) => oc.columns(['series_id', 'year', 'month']).doNothing())
    .returning(sql<number>`1`.as('one'))
    .execute();
  return result.length;
}
