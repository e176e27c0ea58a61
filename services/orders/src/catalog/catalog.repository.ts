/** SQL of store locations and catalog items (with their stock). */
import type { Executor } from '@cartwatch/db';
import { type Selectable, sql, type Transaction } from 'kysely';
import type { CatalogItemTable, DB, StoreLocationTable } from '../db/schema.js';

export type LocationRow = Selectable<StoreLocationTable>;

/** A catalog item with its location's currency and store. */
export type CatalogItemRow = Omit<Selectable<CatalogItemTable>, 'created_at'> &
  Pick<LocationRow, 'currency' | 'store_slug'>;

export async function insertLocation(
  db: Executor<DB>,
  row: Omit<LocationRow, 'created_at'>,
): Promise<LocationRow> {
  return db.insertInto('store_location').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function findLocation(db: Executor<DB>, id: string): Promise<LocationRow | undefined> {
  return db.selectFrom('store_location').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listLocations(
  db: Executor<DB>,
  limit: number,
  afterId?: string,
): Promise<LocationRow[]> {
  let query = db.selectFrom('store_location').selectAll().orderBy('id').limit(limit);
  if (afterId) query = query.where('id', '>', afterId);
  return query.execute();
}

export async function listLocationIdsOfRetailer(db: Executor<DB>, storeSlug: string): Promise<string[]> {
  const rows = await db
    .selectFrom('store_location')
    .select('id')
    .where('store_slug', '=', storeSlug)
    .orderBy('id')
    .execute();
  return rows.map((row) => row.id);
}

function catalogItems(db: Executor<DB>) {
  return db
    .selectFrom('catalog_item as ci')
    .innerJoin('store_location as l', 'l.id', 'ci.location_id')
    .select([
      'ci.id',
      'ci.location_id',
      'ci.product_id',
      'ci.gtin',
      'ci.name',
      'ci.brand',
      'ci.price_cents',
      'ci.on_hand',
      'ci.reserved',
      'ci.active',
      'ci.deleted_at',
      'ci.updated_at',
      'l.currency',
      'l.store_slug',
    ]);
}

export async function findCatalogItem(db: Executor<DB>, id: string): Promise<CatalogItemRow | undefined> {
  return catalogItems(db).where('ci.id', '=', id).executeTakeFirst();
}

/** Locks the item for a read-modify-write (price change, soft delete). */
export async function lockCatalogItem(trx: Transaction<DB>, id: string): Promise<CatalogItemRow | undefined> {
  return catalogItems(trx).where('ci.id', '=', id).forNoKeyUpdate('ci').executeTakeFirst();
}

export async function findSellableItem(
  db: Executor<DB>,
  locationId: string,
  ref: { productId?: string | undefined; gtin?: string | undefined },
): Promise<CatalogItemRow | undefined> {
  let query = catalogItems(db)
    .where('ci.location_id', '=', locationId)
    .where('ci.active', '=', true)
    .where('ci.deleted_at', 'is', null);
  if (ref.productId !== undefined) query = query.where('ci.product_id', '=', ref.productId);
  else if (ref.gtin !== undefined) query = query.where('ci.gtin', '=', ref.gtin);
  else return undefined;
  return query.executeTakeFirst();
}

export interface CatalogFilter {
  locationId: string;
  q?: string | undefined;
  includeInactive: boolean;
  includeDeleted: boolean;
  limit: number;
  after?: { name: string; id: string } | undefined;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}

export async function listCatalogItems(db: Executor<DB>, filter: CatalogFilter): Promise<CatalogItemRow[]> {
  let query = catalogItems(db)
    .where('ci.location_id', '=', filter.locationId)
    .orderBy('ci.name')
    .orderBy('ci.id')
    .limit(filter.limit);
  if (!filter.includeInactive) query = query.where('ci.active', '=', true);
  if (!filter.includeDeleted) query = query.where('ci.deleted_at', 'is', null);
  if (filter.q !== undefined) {
    const pattern = `%${escapeLike(filter.q)}%`;
    // GTINs compare in their 14-digit form, so a UPC-A finds the item under its EAN-13 or GTIN-14 form too
    // (scanners read UPC-A symbols with a leading zero).
    const gtin14 = /^\d{8,14}$/.test(filter.q) ? filter.q.padStart(14, '0') : undefined;
    query = query.where((eb) =>
      eb.or([
        eb('ci.name', 'ilike', pattern),
        eb('ci.brand', 'ilike', pattern),
        ...(gtin14 ? [eb(sql<string>`lpad(ci.gtin, 14, '0')`, '=', gtin14)] : []),
      ]),
    );
  }
  if (filter.after) {
    const { name, id } = filter.after;
    query = query.where((eb) =>
      eb.or([eb('ci.name', '>', name), eb.and([eb('ci.name', '=', name), eb('ci.id', '>', id)])]),
    );
  }
  return query.execute();
}

export type NewCatalogItem = Pick<
  Selectable<CatalogItemTable>,
  'id' | 'location_id' | 'product_id' | 'gtin' | 'name' | 'brand' | 'price_cents' | 'on_hand' | 'active'
>;

/** Inserts unless the location already sells the product; undefined then. */
export async function insertCatalogItem(db: Executor<DB>, item: NewCatalogItem): Promise<string | undefined> {
  const row = await db
    .insertInto('catalog_item')
    .values(item)
    .onConflict((oc) => oc.columns(['location_id', 'product_id']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return row?.id;
}

export async function updateCatalogItem(
  db: Executor<DB>,
  id: string,
  patch: Partial<Pick<Selectable<CatalogItemTable>, 'name' | 'brand' | 'price_cents' | 'active'>>,
): Promise<void> {
  await db
    .updateTable('catalog_item')
    .set({ ...patch, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .execute();
}

export async function setDeleted(db: Executor<DB>, id: string, deleted: boolean): Promise<void> {
  await db
    .updateTable('catalog_item')
    .set({ deleted_at: deleted ? sql<Date>`now()` : null, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .execute();
}

/** Adds `delta` to on_hand unless that would drop below what is reserved; false then. */
export async function adjustOnHand(db: Executor<DB>, id: string, delta: number): Promise<boolean> {
  const result = await db
    .updateTable('catalog_item')
    .set({ on_hand: sql`on_hand + ${delta}`, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where(sql<boolean>`on_hand + ${delta} >= reserved`)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Existing items of a location for these products, locked in product-id order (the one lock order). */
export async function lockItemsByProduct(
  trx: Transaction<DB>,
  locationId: string,
  productIds: string[],
): Promise<CatalogItemRow[]> {
  if (productIds.length === 0) return [];
  return catalogItems(trx)
    .where('ci.location_id', '=', locationId)
    .where('ci.product_id', 'in', productIds)
    .orderBy('ci.product_id')
    .forNoKeyUpdate('ci')
    .execute();
}

/**
 * One row of a catalog import; on_hand or active undefined: a new item gets 0 / active, an existing one
 * keeps its own.
 */
export type ImportedRow = Pick<
  Selectable<CatalogItemTable>,
  'id' | 'product_id' | 'gtin' | 'name' | 'brand' | 'price_cents'
> & {
  on_hand: number | undefined;
  active: boolean | undefined;
};

/** One multi-row upsert; on_hand is only overwritten where the import gives it. */
export async function upsertCatalogItems(
  trx: Transaction<DB>,
  locationId: string,
  rows: ImportedRow[],
): Promise<void> {
  if (rows.length === 0) return;
  await trx
    .insertInto('catalog_item')
    .values(
      rows.map((row) => ({
        id: row.id,
        location_id: locationId,
        product_id: row.product_id,
        gtin: row.gtin,
        name: row.name,
        brand: row.brand,
        price_cents: row.price_cents,
        on_hand: row.on_hand ?? 0,
        active: row.active ?? true,
      })),
    )
    .onConflict((oc) =>
      oc.columns(['location_id', 'product_id']).doUpdateSet((eb) => ({
        gtin: sql`coalesce(${eb.ref('excluded.gtin')}, catalog_item.gtin)`,
        name: eb.ref('excluded.name'),
        brand: eb.ref('excluded.brand'),
        price_cents: eb.ref('excluded.price_cents'),
        updated_at: sql<Date>`now()`,
      })),
    )
    .execute();
  // Stock and the active flag change only where the import states them (rows are few: at most 1,000).
  for (const row of rows) {
    if (row.on_hand === undefined && row.active === undefined) continue;
    await trx
      .updateTable('catalog_item')
      .set({
        ...(row.on_hand !== undefined && { on_hand: row.on_hand }),
        ...(row.active !== undefined && { active: row.active }),
      })
      .where('location_id', '=', locationId)
      .where('product_id', '=', row.product_id)
      .execute();
  }
}

export async function findCatalogItemsByProducts(
  db: Executor<DB>,
  locationId: string,
  productIds: string[],
): Promise<CatalogItemRow[]> {
  if (productIds.length === 0) return [];
  return catalogItems(db)
    .where('ci.location_id', '=', locationId)
    .where('ci.product_id', 'in', productIds)
    .execute();
}
