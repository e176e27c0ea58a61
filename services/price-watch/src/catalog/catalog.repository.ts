/** SQL of the catalog: products, their GTINs, purchase-line matches and merge history. */
import type { Executor } from '@cartwatch/db';
import { type Selectable, sql, type Transaction } from 'kysely';
import type { DB, ProductTable } from '../db/schema.js';

export type ProductRow = Selectable<ProductTable>;
export interface ProductWithGtins extends ProductRow {
  gtins: string[];
}

export interface NameCandidate {
  id: string;
  similarity: number;
  hasGtins: boolean;
}

export async function findProductById(db: Executor<DB>, id: string): Promise<ProductRow | undefined> {
  return db.selectFrom('product').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Follows merges to the surviving product. */
export async function findLiveProduct(db: Executor<DB>, id: string): Promise<ProductRow | undefined> {
  let product = await findProductById(db, id);
  for (let hops = 0; product?.merged_into && hops < 20; hops++) {
    product = await findProductById(db, product.merged_into);
  }
  return product;
}

export async function findProductIdByGtin(db: Executor<DB>, gtin14: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('product_gtin')
    .select('product_id')
    .where('gtin', '=', gtin14)
    .executeTakeFirst();
  return row?.product_id;
}

export async function gtinsOf(db: Executor<DB>, productIds: string[]): Promise<Map<string, string[]>> {
  const result = new Map<string, string[]>(productIds.map((id) => [id, []]));
  if (productIds.length === 0) return result;
  const rows = await db
    .selectFrom('product_gtin')
    .select(['product_id', 'gtin'])
    .where('product_id', 'in', productIds)
    .orderBy('gtin')
    .execute();
  for (const row of rows) result.get(row.product_id)?.push(row.gtin);
  return result;
}

export async function withGtins(db: Executor<DB>, products: ProductRow[]): Promise<ProductWithGtins[]> {
  const gtins = await gtinsOf(
    db,
    products.map((product) => product.id),
  );
  return products.map((product) => ({ ...product, gtins: gtins.get(product.id) ?? [] }));
}

/**
 * Live products whose brand and size are compatible (the guard), best name similarity first.
 * `brandNorm` '' matches any brand; a product with a brand only matches an item with the same brand.
 */
export async function findNameCandidates(
  db: Executor<DB>,
  input: {
    nameNorm: string;
    brandNorm: string;
    size: { value: number; unit: string } | undefined;
    limit: number;
  },
): Promise<NameCandidate[]> {
  let query = db
    .selectFrom('product as p')
    .select([
      'p.id',
      sql<number>`product_name_similarity(p.name_norm, ${input.nameNorm})`.as('similarity'),
      sql<boolean>`exists (select 1 from product_gtin g where g.product_id = p.id)`.as('hasGtins'),
    ])
    .where('p.merged_into', 'is', null);
  query = input.brandNorm
    ? query.where((eb) => eb.or([eb('p.brand_norm', '=', input.brandNorm), eb('p.brand_norm', '=', '')]))
    : query;
  query = input.size
    ? query
        .where('p.size_unit', '=', input.size.unit as 'g')
        .where('p.size_value', '=', String(input.size.value))
    : query.where('p.size_unit', 'is', null);
  return query.orderBy('similarity', 'desc').orderBy('p.id').limit(input.limit).execute();
}

export async function insertProduct(
  db: Executor<DB>,
  product: {
    id: string;
    name: string;
    nameNorm: string;
    brand: string | null;
    brandNorm: string;
    category: string | null;
    size: { value: number; unit: 'g' | 'ml' | 'ct' } | null;
  },
): Promise<void> {
  await db
    .insertInto('product')
    .values({
      id: product.id,
      name: product.name,
      name_norm: product.nameNorm,
      brand: product.brand,
      brand_norm: product.brandNorm,
      category: product.category,
      size_value: product.size ? String(product.size.value) : null,
      size_unit: product.size?.unit ?? null,
    })
    .execute();
}

/** Attaches a GTIN to a product; returns the product that owns it afterwards (another one on a race). */
export async function attachGtin(db: Executor<DB>, gtin14: string, productId: string): Promise<string> {
  await db
    .insertInto('product_gtin')
    .values({ gtin: gtin14, product_id: productId })
    .onConflict((oc) => oc.column('gtin').doNothing())
    .execute();
  return (await findProductIdByGtin(db, gtin14)) ?? productId;
}

/**
 * Serialises product matching across consumer lanes, replicas and `/internal/products/resolve` until the
 * transaction ends, so two receipts naming the same new GTIN or name end up on one product. One lock, not
 * one per GTIN or name: lanes apply batches of events in one transaction each, and per-identity locks taken
 * across a batch deadlocked.
 */
export async function lockMatching(trx: Transaction<DB>): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended('pricing.match', 0))`.execute(trx);
}

export async function insertLineMatch(
  db: Executor<DB>,
  match: {
    lineId: string;
    purchaseId: string;
    userId: string;
    productId: string;
    method: 'gtin' | 'name' | 'created';
    confidence: number;
    lineName: string;
    gtin: string | null;
    storeSlug: string;
    purchasedAt: string;
  },
): Promise<boolean> {
  const inserted = await db
    .insertInto('purchase_line_match')
    .values({
      line_id: match.lineId,
      purchase_id: match.purchaseId,
      user_id: match.userId,
      product_id: match.productId,
      method: match.method,
      confidence: match.confidence,
      line_name: match.lineName,
      gtin: match.gtin,
      store_slug: match.storeSlug,
      purchased_at: match.purchasedAt,
    })
    .onConflict((oc) => oc.column('line_id').doNothing())
    .returning('line_id')
    .executeTakeFirst();
  return inserted !== undefined;
}

/** Minimum word similarity (pg_trgm) for a typo to still find a product: "cerael" finds "cereal" at 0.43. */
export const SEARCH_WORD_SIMILARITY = 0.4;

function likePattern(text: string, prefixOnly = false): string {
  const escaped = text.replace(/[\\%_]/g, (char) => `\\${char}`);
  return prefixOnly ? `${escaped}%` : `%${escaped}%`;
}

/**
 * Products search (docs/price-watch.md, "Search"): by GTIN (any of its forms), or by name and brand
 * containing one of the query's variants (synonyms); with `typos`, by word similarity instead (the
 * fallback when nothing contains the query). Ranked GTIN first, then names starting with the query,
 * then the best similarity.
 */
export async function searchProducts(
  db: Executor<DB>,
  filter: {
    qNorm?: string;
    variants?: string[];
    /** Match by word similarity (typos) rather than by containment. */
    typos?: boolean;
    gtin14?: string;
    category?: string;
    store?: string;
    /** Only the products this user bought, most bought first (then by name). */
    boughtBy?: string;
  },
  page: { limit: number; offset: number },
): Promise<ProductRow[]> {
  let query = db.selectFrom('product as p').selectAll('p').where('p.merged_into', 'is', null);
  const buyer = filter.boughtBy;
  const bought = buyer
    ? sql<number>`(select count(*) from purchase_line_match m where m.product_id = p.id and m.user_id = ${buyer})`
    : undefined;
  if (bought) query = query.where(bought, '>', 0);
  if (filter.category) query = query.where(sql`lower(p.category)`, '=', filter.category.toLowerCase());
  if (filter.store) {
    const store = filter.store;
    query = query.where((eb) =>
      eb.exists(
        eb
          .selectFrom('price_latest as l')
          .select('l.product_id')
          .whereRef('l.product_id', '=', 'p.id')
          .where('l.store_slug', '=', store),
      ),
    );
  }
  if (filter.qNorm) {
    const q = filter.qNorm;
    const variants = filter.variants?.length ? filter.variants : [q];
    const score = sql<number>`greatest(${sql.join(
      variants.map(
        (variant) => sql`product_name_similarity(p.name_norm, ${variant}),
          product_word_similarity(${variant}, p.name_norm),
          case when p.brand_norm = '' then 0 else product_word_similarity(${variant}, p.brand_norm) end`,
      ),
    )})`;
    const gtin = filter.gtin14;
    const byGtin = gtin
      ? sql<boolean>`exists (select 1 from product_gtin g where g.product_id = p.id and g.gtin = ${gtin})`
      : undefined;
    query = filter.typos
      ? query.where(score, '>=', SEARCH_WORD_SIMILARITY)
      : query.where((eb) =>
          eb.or([
            ...(byGtin ? [byGtin] : []),
            ...variants.flatMap((variant) => [
              eb('p.name_norm', 'like', likePattern(variant)),
              eb('p.brand_norm', 'like', likePattern(variant)),
            ]),
          ]),
        );
    // A constant cannot be an ORDER BY term: the GTIN rank only when the query is a GTIN.
    if (byGtin) query = query.orderBy(byGtin, 'desc');
    query = query.orderBy(sql`(p.name_norm like ${likePattern(q, true)})`, 'desc').orderBy(score, 'desc');
  } else {
    if (bought) query = query.orderBy(bought, 'desc');
    query = query.orderBy('p.name_norm');
  }
  return query.orderBy('p.id').limit(page.limit).offset(page.offset).execute();
}

export async function linesOfProduct(db: Executor<DB>, productId: string, lineIds: string[]) {
  if (lineIds.length === 0) return [];
  return db
    .selectFrom('purchase_line_match')
    .select(['line_id', 'gtin'])
    .where('product_id', '=', productId)
    .where('line_id', 'in', lineIds)
    .execute();
}

export async function moveLines(db: Executor<DB>, lineIds: string[], toProductId: string): Promise<void> {
  if (lineIds.length === 0) return;
  await db
    .updateTable('purchase_line_match')
    .set({ product_id: toProductId, method: 'admin', confidence: 1 })
    .where('line_id', 'in', lineIds)
    .execute();
  await db
    .updateTable('price_observation')
    .set({ product_id: toProductId })
    .where('line_id', 'in', lineIds)
    .execute();
}

export async function moveGtins(db: Executor<DB>, gtins: string[], toProductId: string): Promise<void> {
  if (gtins.length === 0) return;
  await db.updateTable('product_gtin').set({ product_id: toProductId }).where('gtin', 'in', gtins).execute();
}

/** Moves everything of `fromId` to `toId` and marks `fromId` merged; returns the GTINs moved. */
export async function mergeProductInto(
  trx: Transaction<DB>,
  fromId: string,
  toId: string,
): Promise<string[]> {
  const moved = await trx
    .updateTable('product_gtin')
    .set({ product_id: toId })
    .where('product_id', '=', fromId)
    .returning('gtin')
    .execute();
  await trx
    .updateTable('purchase_line_match')
    .set({ product_id: toId })
    .where('product_id', '=', fromId)
    .execute();
  await trx
    .updateTable('price_observation')
    .set({ product_id: toId })
    .where('product_id', '=', fromId)
    .execute();
  // Earlier merges into `fromId` now point straight at the survivor.
  await trx.updateTable('product').set({ merged_into: toId }).where('merged_into', '=', fromId).execute();
  await trx
    .updateTable('product')
    .set({ merged_into: toId, updated_at: sql`now()` })
    .where('id', '=', fromId)
    .execute();
  return moved.map((row) => row.gtin);
}

export async function recordMerge(
  db: Executor<DB>,
  entry: {
    id: string;
    kind: 'merge' | 'split';
    sourceProductId: string;
    targetProductId: string;
    movedGtins: string[];
    movedLineIds: string[];
    actorUserId: string | null;
  },
): Promise<void> {
  await db
    .insertInto('product_merge')
    .values({
      id: entry.id,
      kind: entry.kind,
      source_product_id: entry.sourceProductId,
      target_product_id: entry.targetProductId,
      moved_gtins: entry.movedGtins,
      moved_line_ids: entry.movedLineIds,
      actor_user_id: entry.actorUserId,
    })
    .execute();
}

export async function deleteUserMatches(db: Executor<DB>, userId: string): Promise<void> {
  await db.deleteFrom('purchase_line_match').where('user_id', '=', userId).execute();
}

/** Users who bought a product (for buyer-only alerts). */
/** Which purchases a coupon covers: one product, a normalised brand, a category (any case), or all. */
export interface CouponBuyerFilter {
  productId?: string;
  brandNorm?: string;
  category?: string;
  /** Only purchases at this store. */
  storeSlug?: string | undefined;
}

/** Each user who bought what the filter covers, once, with the product of their newest such purchase. */
export async function findBuyersForCoupon(
  db: Executor<DB>,
  filter: CouponBuyerFilter,
): Promise<{ user_id: string; product_id: string }[]> {
  let query = db
    .selectFrom('purchase_line_match as m')
    .innerJoin('product as p', 'p.id', 'm.product_id')
    .select(['m.user_id', 'p.id as product_id'])
    .distinctOn('m.user_id')
    .orderBy('m.user_id')
    .orderBy('m.purchased_at', 'desc');
  if (filter.productId !== undefined) query = query.where('p.id', '=', filter.productId);
  if (filter.brandNorm !== undefined) query = query.where('p.brand_norm', '=', filter.brandNorm);
  if (filter.category !== undefined) {
    query = query.where((eb) => eb.fn('lower', ['p.category']), '=', filter.category.toLowerCase());
  }
  if (filter.storeSlug) query = query.where('m.store_slug', '=', filter.storeSlug);
  return query.execute();
}

/** The matched lines of `productId` that carry one of `gtins14`. */
export async function lineIdsWithGtins(
  db: Executor<DB>,
  productId: string,
  gtins14: readonly string[],
): Promise<string[]> {
  const rows = await db
    .selectFrom('purchase_line_match')
    .select('line_id')
    .where('product_id', '=', productId)
    .where('gtin', 'in', gtins14)
    .execute();
  return rows.map((row) => row.line_id);
}

export async function buyersOf(db: Executor<DB>, productIds: string[]): Promise<string[]> {
  if (productIds.length === 0) return [];
  const rows = await db
    .selectFrom('purchase_line_match')
    .select('user_id')
    .distinct()
    .where('product_id', 'in', productIds)
    .execute();
  return rows.map((row) => row.user_id);
}
