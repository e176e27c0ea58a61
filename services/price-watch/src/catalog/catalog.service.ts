/** Catalog reads and admin corrections (merge, split), and GTIN resolution for other services. */
import { defineCursor, type Page, type Product, type ProductUpdate } from '@cartwatch/common-types';
import { type Database, newId, withTransaction } from '@cartwatch/db';
import { AppError } from '@cartwatch/service-kit';
import { z } from 'zod';
import type { DB } from '../db/schema.js';
import { recomputeSharedOfProducts, type SharedOptions } from '../prices/consensus.repository.js';
import { recomputeRollups } from '../prices/observation.repository.js';
import { recordStatement, resolveAttributes, updateProduct } from './attributes.service.js';
import {
  attachGtin,
  findLiveProduct,
  findProductById,
  findProductIdByGtin,
  insertProduct,
  lineIdsWithGtins,
  linesOfProduct,
  lockMatching,
  mergeProductInto,
  moveGtins,
  moveLines,
  type ProductRow,
  recordMerge,
  searchProducts,
  withGtins,
} from './catalog.repository.js';
import { normalizeGtin } from './gtin.js';
import { normalizeBrand, normalizeName, searchVariants } from './product-name.js';

export function toProduct(product: ProductRow & { gtins: string[] }): Product {
  return {
    id: product.id,
    name: product.name,
    brand: product.brand,
    category: product.category,
    size:
      product.size_value !== null && product.size_unit !== null
        ? { value: Number(product.size_value), unit: product.size_unit }
        : null,
    gtins: product.gtins,
    mergedIntoId: product.merged_into,
    createdAt: product.created_at.toISOString(),
  };
}

const MAX_OFFSET = 100_000;
/** `t`: the pages of a typo search (nothing contained the query). */
const SearchCursor = defineCursor(
  z.strictObject({ o: z.number().int().min(1).max(MAX_OFFSET), t: z.literal(true).optional() }),
);

export async function listProducts(
  database: Database<DB>,
  query: {
    q?: string | undefined;
    mine?: boolean | undefined;
    category?: string | undefined;
    store?: string | undefined;
    limit: number;
    cursor?: string | undefined;
  },
  userId?: string,
): Promise<Page<Product>> {
  const cursor = query.cursor === undefined ? { o: 0 } : SearchCursor.decode(query.cursor);
  const offset = cursor.o;
  const qNorm = query.q ? normalizeName(query.q) : undefined;
  const gtin14 = query.q ? normalizeGtin(query.q.replace(/[\s-]/g, '')) : undefined;
  const search = (typos: boolean) =>
    searchProducts(
      database.db,
      {
        ...(qNorm && { qNorm, variants: searchVariants(qNorm), typos }),
        ...(gtin14 && { gtin14 }),
        ...(query.mine && userId && { boughtBy: userId }),
        ...(query.category && { category: query.category }),
        ...(query.store && { store: query.store }),
      },
      { limit: query.limit + 1, offset },
    );
  // An exact query answers what contains it; only when nothing does are typos tolerated.
  let typos = cursor.t === true;
  let rows = await search(typos);
  if (rows.length === 0 && offset === 0 && qNorm && !typos) {
    typos = true;
    rows = await search(typos);
  }
  const page = rows.slice(0, query.limit);
  const items = (await withGtins(database.db, page)).map(toProduct);
  const next = offset + query.limit;
  // Search pages end at MAX_OFFSET rows: narrow the search to see more.
  return {
    items,
    nextCursor:
      rows.length > query.limit && next <= MAX_OFFSET
        ? SearchCursor.encode({ o: next, ...(typos && { t: true as const }) })
        : null,
  };
}

export async function getProduct(database: Database<DB>, id: string): Promise<Product> {
  const product = await findProductById(database.db, id);
  if (!product) throw AppError.notFound('product');
  const [withCodes] = await withGtins(database.db, [product]);
  if (!withCodes) throw AppError.notFound('product');
  return toProduct(withCodes);
}

/** An admin's edit of a product's attributes (docs/price-watch.md, "Product attributes"), as the API shows it. */
export async function editProduct(
  database: Database<DB>,
  id: string,
  update: z.infer<typeof ProductUpdate>,
  adminId: string,
): Promise<Product> {
  const product = await updateProduct(database, id, update, adminId);
  const [withCodes] = await withGtins(database.db, [product]);
  return toProduct(withCodes ?? { ...product, gtins: [] });
}

export async function resolveByGtin(database: Database<DB>, gtin: string): Promise<Product> {
  const gtin14 = normalizeGtin(gtin);
  if (!gtin14)
    throw AppError.validation([{ path: 'gtin', message: 'check digit does not match', code: 'custom' }]);
  const id = await findProductIdByGtin(database.db, gtin14);
  const product = id ? await findLiveProduct(database.db, id) : undefined;
  if (!product) throw AppError.notFound('product');
  const [withCodes] = await withGtins(database.db, [product]);
  if (!withCodes) throw AppError.notFound('product');
  return toProduct(withCodes);
}

/**
 * `POST /internal/products/resolve`: the live product of a GTIN, created from `name` (and `brand`) when
 * the GTIN is unknown, so a store can sell a product no receipt has named yet. Serialised with receipt
 * matching on the same GTIN lock, so both end up on one product.
 */
export async function findOrCreateByGtin(
  database: Database<DB>,
  input: { gtin: string; name?: string | undefined; brand?: string | undefined },
): Promise<{ productId: string; created: boolean }> {
  const gtin14 = normalizeGtin(input.gtin);
  if (!gtin14)
    throw AppError.validation([{ path: 'gtin', message: 'check digit does not match', code: 'custom' }]);
  return withTransaction(database.db, async (trx) => {
    await lockMatching(trx);
    const id = await findProductIdByGtin(trx, gtin14);
    const existing = id ? await findLiveProduct(trx, id) : undefined;
    // A store catalog's brand is the best evidence of it (docs/price-watch.md, "Product attributes").
    const catalogSays = { kind: 'catalog' as const, voter: 'catalog', at: new Date() };
    if (existing) {
      if (await recordStatement(trx, existing.id, catalogSays, { brand: input.brand })) {
        await resolveAttributes(trx, existing.id);
      }
      return { productId: existing.id, created: false };
    }
    if (!input.name) throw AppError.notFound('product');
    const productId = newId();
    await insertProduct(trx, {
      id: productId,
      name: input.name,
      nameNorm: normalizeName(input.name),
      brand: input.brand ?? null,
      brandNorm: normalizeBrand(input.brand),
      category: null,
      size: null,
    });
    await attachGtin(trx, gtin14, productId);
    await recordStatement(trx, productId, catalogSays, { brand: input.brand });
    return { productId, created: true };
  });
}

/** Merges `sourceId` into `targetId`: GTINs, matches and observations move; the source is kept, marked merged. */
export async function mergeProducts(
  database: Database<DB>,
  sourceId: string,
  targetId: string,
  actorUserId: string,
  shared: SharedOptions,
): Promise<Product> {
  if (sourceId === targetId) throw AppError.conflict('a product cannot be merged into itself');
  await withTransaction(database.db, async (trx) => {
    const source = await findProductById(trx, sourceId);
    const target = await findProductById(trx, targetId);
    if (!source || !target) throw AppError.notFound('product');
    if (source.merged_into) throw AppError.conflict('product is already merged');
    if (target.merged_into) throw AppError.conflict('target product is merged into another product');
    const movedGtins = await mergeProductInto(trx, sourceId, targetId);
    await recomputeRollups(trx, [sourceId, targetId]);
    await recomputeSharedOfProducts(trx, [sourceId, targetId], shared);
    await recordMerge(trx, {
      id: newId(),
      kind: 'merge',
      sourceProductId: sourceId,
      targetProductId: targetId,
      movedGtins,
      movedLineIds: [],
      actorUserId,
    });
  });
  return getProduct(database, targetId);
}

/** Splits wrongly matched purchase lines and/or GTINs off `sourceId` into a new product. */
export async function splitProduct(
  database: Database<DB>,
  sourceId: string,
  input: {
    lineIds: string[];
    gtins: string[];
    name: string;
    brand?: string | undefined;
    category?: string | undefined;
    size?: { value: number; unit: 'g' | 'ml' | 'ct' } | undefined;
  },
  actorUserId: string,
  shared: SharedOptions,
): Promise<Product> {
  const gtins14 = input.gtins.map((gtin, index) => {
    const normalized = normalizeGtin(gtin);
    if (!normalized) {
      throw AppError.validation([
        { path: `gtins.${index}`, message: 'check digit does not match', code: 'custom' },
      ]);
    }
    return normalized;
  });
  const newProductId = newId();
  await withTransaction(database.db, async (trx) => {
    const source = await findProductById(trx, sourceId);
    if (!source) throw AppError.notFound('product');
    if (source.merged_into)
      throw AppError.conflict('product is merged; split the product it was merged into');
    const lines = await linesOfProduct(trx, sourceId, input.lineIds);
    if (lines.length !== new Set(input.lineIds).size)
      throw AppError.unprocessable('a purchase line is not matched to this product');
    for (const gtin of gtins14) {
      if ((await findProductIdByGtin(trx, gtin)) !== sourceId)
        throw AppError.unprocessable(`GTIN ${gtin} is not on this product`);
    }
    await insertProduct(trx, {
      id: newProductId,
      name: input.name,
      nameNorm: normalizeName(input.name),
      brand: input.brand ?? null,
      brandNorm: normalizeBrand(input.brand),
      category: input.category ?? source.category,
      size: input.size ?? null,
    });
    await moveGtins(trx, gtins14, newProductId);
    // Lines carrying a moved GTIN follow it.
    const lineIds = [...new Set([...lines.map((line) => line.line_id)])];
    if (gtins14.length > 0) {
      const gtinLines = await lineIdsWithGtins(trx, sourceId, gtins14);
      for (const lineId of gtinLines) if (!lineIds.includes(lineId)) lineIds.push(lineId);
    }
    await moveLines(trx, lineIds, newProductId);
    await recomputeRollups(trx, [sourceId, newProductId]);
    await recomputeSharedOfProducts(trx, [sourceId, newProductId], shared);
    await recordMerge(trx, {
      id: newId(),
      kind: 'split',
      sourceProductId: sourceId,
      targetProductId: newProductId,
      movedGtins: gtins14,
      movedLineIds: lineIds,
      actorUserId,
    });
  });
  return getProduct(database, newProductId);
}
