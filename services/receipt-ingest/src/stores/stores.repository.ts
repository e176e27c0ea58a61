/** SQL for retailers and their locations. */
import type { Executor } from '@cartwatch/db';
import type { Insertable, Selectable } from 'kysely';
import type { DB, RetailerTable, StoreLocationTable } from '../db/schema.js';

export type RetailerRow = Selectable<RetailerTable>;
export type StoreLocationRow = Selectable<StoreLocationTable>;

export async function insertRetailer(
  db: Executor<DB>,
  row: Insertable<RetailerTable>,
): Promise<RetailerRow | undefined> {
  return db
    .insertInto('retailer')
    .values(row)
    .onConflict((oc) => oc.column('slug').doNothing())
    .returningAll()
    .executeTakeFirst();
}

export async function findRetailerBySlug(db: Executor<DB>, slug: string): Promise<RetailerRow | undefined> {
  return db.selectFrom('retailer').selectAll().where('slug', '=', slug).executeTakeFirst();
}

export async function findRetailersBySlugs(
  db: Executor<DB>,
  slugs: readonly string[],
): Promise<RetailerRow[]> {
  if (slugs.length === 0) return [];
  return db.selectFrom('retailer').selectAll().where('slug', 'in', slugs).execute();
}

export async function listRetailers(
  db: Executor<DB>,
  afterSlug: string | undefined,
  limit: number,
): Promise<RetailerRow[]> {
  let query = db.selectFrom('retailer').selectAll().orderBy('slug').limit(limit);
  if (afterSlug !== undefined) query = query.where('slug', '>', afterSlug);
  return query.execute();
}

export async function insertLocation(
  db: Executor<DB>,
  row: Insertable<StoreLocationTable>,
): Promise<StoreLocationRow> {
  return db.insertInto('store_location').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function listLocations(
  db: Executor<DB>,
  retailerId: string,
  afterId: string | undefined,
  limit: number,
): Promise<StoreLocationRow[]> {
  let query = db
    .selectFrom('store_location')
    .selectAll()
    .where('retailer_id', '=', retailerId)
    .orderBy('id')
    .limit(limit);
  if (afterId !== undefined) query = query.where('id', '>', afterId);
  return query.execute();
}

export async function findLocation(
  db: Executor<DB>,
  retailerId: string,
  locationId: string,
): Promise<StoreLocationRow | undefined> {
  return db
    .selectFrom('store_location')
    .selectAll()
    .where('retailer_id', '=', retailerId)
    .where('id', '=', locationId)
    .executeTakeFirst();
}
