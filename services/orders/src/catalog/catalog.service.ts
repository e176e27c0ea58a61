/**
 * Store locations and catalog rules: products are identified by price-watch product id (resolved from
 * GTIN), a price change publishes `catalog.price-set.v1` in the same transaction, stock never drops
 * below what open orders have reserved. A location belongs to a retailer (`store_slug`): admins and that
 * retailer's store staff manage its catalog and stock (403 for everyone else).
 */
import {
  type CatalogImport,
  type CatalogItem,
  type CatalogQuery,
  type CreateCatalogItem,
  defineCursor,
  eventCatalog,
  IdCursor,
  type Page,
  pageFromRows,
  type RetailerLocationIds,
  type StockAdjustment,
  type StoreLocation,
  type UpdateCatalogItem,
} from '@cartwatch/common-types';
import { type Database, newId, withTransaction } from '@cartwatch/db';
import { publishMany } from '@cartwatch/events';
import { AppError, assertManagesRetailer, type CurrentUser, managesRetailer } from '@cartwatch/service-kit';
import type { Transaction } from 'kysely';
import { z } from 'zod';
import type { DB } from '../db/schema.js';
import * as catalog from './catalog.repository.js';
import type { ProductResolver } from './product-resolver.js';

export interface CatalogDeps {
  database: Database<DB>;
  resolver: ProductResolver;
}

export function toStoreLocation(row: catalog.LocationRow): StoreLocation {
  return {
    id: row.id,
    storeSlug: row.store_slug,
    name: row.name,
    currency: row.currency,
    createdAt: row.created_at.toISOString(),
  };
}

export function toCatalogItem(row: catalog.CatalogItemRow): CatalogItem {
  return {
    id: row.id,
    locationId: row.location_id,
    productId: row.product_id,
    gtin: row.gtin,
    name: row.name,
    brand: row.brand,
    priceCents: row.price_cents,
    currency: row.currency,
    onHand: row.on_hand,
    reserved: row.reserved,
    available: row.on_hand - row.reserved,
    active: row.active,
    deletedAt: row.deleted_at?.toISOString() ?? null,
    updatedAt: row.updated_at.toISOString(),
  };
}

const NameCursor = defineCursor(z.strictObject({ name: z.string().min(1).max(300), id: z.uuid() }));

export async function createLocation(
  deps: CatalogDeps,
  input: { storeSlug: string; name: string; currency: string },
  manager: CurrentUser,
): Promise<StoreLocation> {
  assertManagesRetailer(manager, input.storeSlug);
  const row = await catalog.insertLocation(deps.database.db, {
    id: newId(),
    store_slug: input.storeSlug,
    name: input.name,
    currency: input.currency,
  });
  return toStoreLocation(row);
}

export async function listLocations(
  deps: CatalogDeps,
  query: { limit: number; cursor?: string | undefined },
): Promise<Page<StoreLocation>> {
  const after = query.cursor === undefined ? undefined : IdCursor.decode(query.cursor);
  const rows = await catalog.listLocations(deps.database.db, query.limit + 1, after?.id);
  return pageFromRows(rows, query.limit, toStoreLocation, (last) => IdCursor.encode({ id: last.id }));
}

async function requireLocation(deps: CatalogDeps, id: string): Promise<catalog.LocationRow> {
  const location = await catalog.findLocation(deps.database.db, id);
  if (!location) throw AppError.notFound('store location');
  return location;
}

export async function getLocation(deps: CatalogDeps, id: string): Promise<StoreLocation> {
  return toStoreLocation(await requireLocation(deps, id));
}

/** Every location id of one retailer (none for an unknown slug): a retailer has tens, not millions. */
export async function locationIdsOfRetailer(
  deps: CatalogDeps,
  storeSlug: string,
): Promise<RetailerLocationIds> {
  return { storeSlug, locationIds: await catalog.listLocationIdsOfRetailer(deps.database.db, storeSlug) };
}

/** The location, when the user manages its retailer (404 unknown, 403 not theirs). */
async function requireManagedLocation(
  deps: CatalogDeps,
  id: string,
  manager: CurrentUser,
): Promise<catalog.LocationRow> {
  const location = await requireLocation(deps, id);
  assertManagesRetailer(manager, location.store_slug);
  return location;
}

interface PriceChange {
  row: { location_id: string; product_id: string; gtin: string | null };
  location: { store_slug: string; currency: string };
  priceCents: number;
  previousPriceCents?: number | undefined;
}

/** `catalog.price-set.v1` for every price that was set or changed, in the caller's transaction. */
async function publishPriceChanges(trx: Transaction<DB>, changes: PriceChange[]): Promise<void> {
  const effectiveAt = new Date().toISOString();
  await publishMany(
    trx,
    changes.map((change) => ({
      definition: eventCatalog.catalogPriceSet,
      event: {
        source: 'orders' as const,
        subjectId: change.row.product_id,
        data: {
          locationId: change.row.location_id,
          storeSlug: change.location.store_slug,
          productId: change.row.product_id,
          ...(change.row.gtin !== null && { gtin: change.row.gtin }),
          priceCents: change.priceCents,
          ...(change.previousPriceCents !== undefined && { previousPriceCents: change.previousPriceCents }),
          currency: change.location.currency,
          effectiveAt,
        },
      },
    })),
  );
}

async function productIdOf(
  deps: CatalogDeps,
  ref: {
    productId?: string | undefined;
    gtin?: string | undefined;
    name?: string;
    brand?: string | undefined;
  },
  requestId?: string,
): Promise<string> {
  if (ref.productId !== undefined) return ref.productId;
  if (ref.gtin === undefined)
    throw AppError.validation([{ path: 'productId', message: 'give productId or gtin', code: 'custom' }]);
  return deps.resolver.resolve({ gtin: ref.gtin, name: ref.name, brand: ref.brand }, { requestId });
}

/** The item as its managers see it (inactive and deleted included), after a write. */
async function managedCatalogItem(deps: CatalogDeps, id: string): Promise<CatalogItem> {
  const row = await catalog.findCatalogItem(deps.database.db, id);
  if (!row) throw AppError.notFound('catalog item');
  return toCatalogItem(row);
}

/** Inactive and deleted items exist only for the managers of their retailer (404 for everyone else). */
export async function getCatalogItem(
  deps: CatalogDeps,
  id: string,
  viewer: CurrentUser,
): Promise<CatalogItem> {
  const row = await catalog.findCatalogItem(deps.database.db, id);
  const hidden = row !== undefined && (!row.active || row.deleted_at !== null);
  if (!row || (hidden && !managesRetailer(viewer, row.store_slug))) throw AppError.notFound('catalog item');
  return toCatalogItem(row);
}

export async function createCatalogItem(
  deps: CatalogDeps,
  input: CreateCatalogItem,
  manager: CurrentUser,
  requestId?: string,
): Promise<CatalogItem> {
  const location = await requireManagedLocation(deps, input.locationId, manager);
  const productId = await productIdOf(deps, input, requestId);
  const id = await withTransaction(deps.database.db, async (trx) => {
    const inserted = await catalog.insertCatalogItem(trx, {
      id: newId(),
      location_id: location.id,
      product_id: productId,
      gtin: input.gtin ?? null,
      name: input.name,
      brand: input.brand ?? null,
      price_cents: input.priceCents,
      on_hand: input.onHand,
      active: input.active,
    });
    if (!inserted) throw AppError.conflict('this location already sells the product', { productId });
    await publishPriceChanges(trx, [
      {
        row: { location_id: location.id, product_id: productId, gtin: input.gtin ?? null },
        location,
        priceCents: input.priceCents,
      },
    ]);
    return inserted;
  });
  return managedCatalogItem(deps, id);
}

export async function updateCatalogItem(
  deps: CatalogDeps,
  id: string,
  input: UpdateCatalogItem,
  manager: CurrentUser,
): Promise<CatalogItem> {
  await withTransaction(deps.database.db, async (trx) => {
    const current = await catalog.lockCatalogItem(trx, id);
    if (!current) throw AppError.notFound('catalog item');
    assertManagesRetailer(manager, current.store_slug);
    const patch: Parameters<typeof catalog.updateCatalogItem>[2] = {};
    if (input.name !== undefined) patch.name = input.name;
    if (input.brand !== undefined) patch.brand = input.brand;
    if (input.active !== undefined) patch.active = input.active;
    if (input.priceCents !== undefined) patch.price_cents = input.priceCents;
    await catalog.updateCatalogItem(trx, id, patch);
    if (input.priceCents !== undefined && input.priceCents !== current.price_cents) {
      await publishPriceChanges(trx, [
        {
          row: current,
          location: current,
          priceCents: input.priceCents,
          previousPriceCents: current.price_cents,
        },
      ]);
    }
  });
  return managedCatalogItem(deps, id);
}

/** Soft delete: the item leaves the catalog and carts can no longer add it; orders keep referring to it. */
export async function setCatalogItemDeleted(
  deps: CatalogDeps,
  id: string,
  deleted: boolean,
  manager: CurrentUser,
): Promise<CatalogItem> {
  await withTransaction(deps.database.db, async (trx) => {
    const current = await catalog.lockCatalogItem(trx, id);
    if (!current) throw AppError.notFound('catalog item');
    assertManagesRetailer(manager, current.store_slug);
    if ((current.deleted_at !== null) !== deleted) await catalog.setDeleted(trx, id, deleted);
  });
  return managedCatalogItem(deps, id);
}

export async function adjustStock(
  deps: CatalogDeps,
  id: string,
  input: StockAdjustment,
  manager: CurrentUser,
): Promise<CatalogItem> {
  const current = await catalog.findCatalogItem(deps.database.db, id);
  if (!current) throw AppError.notFound('catalog item');
  // An item never changes location, so the retailer checked here is the one the update below changes.
  assertManagesRetailer(manager, current.store_slug);
  const adjusted = await catalog.adjustOnHand(deps.database.db, id, input.delta);
  if (!adjusted) {
    const now = await catalog.findCatalogItem(deps.database.db, id);
    throw AppError.conflict('on hand cannot drop below reserved stock', {
      reason: 'STOCK_RESERVED',
      onHand: now?.on_hand,
      reserved: now?.reserved,
    });
  }
  return managedCatalogItem(deps, id);
}

export async function browseCatalog(
  deps: CatalogDeps,
  query: CatalogQuery,
  viewer: CurrentUser,
): Promise<Page<CatalogItem>> {
  const location = await requireLocation(deps, query.location);
  if ((query.includeDeleted || query.includeInactive) && !managesRetailer(viewer, location.store_slug)) {
    throw AppError.forbidden("only the store's staff and admins see inactive or deleted items");
  }
  const after = query.cursor === undefined ? undefined : NameCursor.decode(query.cursor);
  const rows = await catalog.listCatalogItems(deps.database.db, {
    locationId: query.location,
    q: query.q,
    includeInactive: query.includeInactive ?? false,
    includeDeleted: query.includeDeleted ?? false,
    limit: query.limit + 1,
    after,
  });
  return pageFromRows(rows, query.limit, toCatalogItem, (last) =>
    NameCursor.encode({ name: last.name, id: last.id }),
  );
}

/**
 * Bulk import: resolves GTINs first (outside the transaction: a network call must not hold row locks),
 * then upserts every row in one transaction, locking existing rows in product-id order.
 */
export async function importCatalog(
  deps: CatalogDeps,
  input: CatalogImport,
  manager: CurrentUser,
  requestId?: string,
): Promise<{ created: number; updated: number; unchanged: number; items: CatalogItem[] }> {
  const location = await requireManagedLocation(deps, input.locationId, manager);
  const resolvedByGtin = new Map<string, string>();
  for (const item of input.items) {
    if (item.productId === undefined && item.gtin !== undefined && !resolvedByGtin.has(item.gtin)) {
      resolvedByGtin.set(item.gtin, await productIdOf(deps, item, requestId));
    }
  }
  const byProduct = new Map<string, catalog.ImportedRow>();
  input.items.forEach((item, index) => {
    const productId = item.productId ?? resolvedByGtin.get(item.gtin ?? '');
    if (productId === undefined) return;
    if (byProduct.has(productId)) {
      throw AppError.validation([
        { path: `items.${index}`, message: 'product appears twice in the import', code: 'duplicate' },
      ]);
    }
    byProduct.set(productId, {
      id: newId(),
      product_id: productId,
      gtin: item.gtin ?? null,
      name: item.name,
      brand: item.brand ?? null,
      price_cents: item.priceCents,
      on_hand: item.onHand,
      active: item.active,
    });
  });
  const productIds = [...byProduct.keys()].sort();

  return withTransaction(deps.database.db, async (trx) => {
    const existing = new Map(
      (await catalog.lockItemsByProduct(trx, location.id, productIds)).map((row) => [row.product_id, row]),
    );
    let created = 0;
    let updated = 0;
    let unchanged = 0;
    const priceChanges: PriceChange[] = [];
    for (const productId of productIds) {
      const row = byProduct.get(productId) as catalog.ImportedRow;
      const before = existing.get(productId);
      if (!before) {
        created++;
        priceChanges.push({
          row: { ...row, location_id: location.id },
          location,
          priceCents: row.price_cents,
        });
        continue;
      }
      if (row.on_hand !== undefined && row.on_hand < before.reserved) {
        throw AppError.conflict('on hand cannot drop below reserved stock', {
          reason: 'STOCK_RESERVED',
          productId,
          reserved: before.reserved,
        });
      }
      const same =
        before.name === row.name &&
        before.brand === row.brand &&
        before.price_cents === row.price_cents &&
        (row.active === undefined || row.active === before.active) &&
        (row.on_hand === undefined || row.on_hand === before.on_hand) &&
        (row.gtin === null || row.gtin === before.gtin);
      if (same) unchanged++;
      else updated++;
      if (before.price_cents !== row.price_cents) {
        priceChanges.push({
          row: before,
          location,
          priceCents: row.price_cents,
          previousPriceCents: before.price_cents,
        });
      }
    }
    await catalog.upsertCatalogItems(trx, location.id, [...byProduct.values()]);
    await publishPriceChanges(trx, priceChanges);
    const rows = await catalog.findCatalogItemsByProducts(trx, location.id, productIds);
    return { created, updated, unchanged, items: rows.map(toCatalogItem) };
  });
}
