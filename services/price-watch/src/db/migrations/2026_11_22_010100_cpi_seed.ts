/**
 * Loads the shipped BLS CPI-U series (data/cpi/cpi-u-food.csv, see data/cpi/README.md for its sources)
 * into cpi_value. Values are copied as published; nothing is derived or filled in.
 */
import { readFile } from 'node:fs/promises';
import { type Kysely, sql } from 'kysely';

const csvUrl = new URL('../../../data/cpi/cpi-u-food.csv', import.meta.url);

export async function up(db: Kysely<any>): Promise<void> {
  const text = await readFile(csvUrl, 'utf8');
  const rows = text
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [seriesId, year, month, value] = line.trim().split(',');
      if (!seriesId || !year || !month || !value || !/^\d+\.\d{3}$/.test(value)) {
        throw new Error(`malformed CPI row: ${line}`);
      }
      return { series_id: seriesId, year: Number(year), month: Number(month), value };
    });
  for (let start = 0; start < rows.length; start += 500) {
    await db
      .insertInto('cpi_value')
      .values(rows.slice(start, start + 500))
      .execute();
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`delete from cpi_value`.execute(db);
}
