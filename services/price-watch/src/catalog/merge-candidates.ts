/**
 * The admins' queue of suspected duplicate products (docs/price-watch.md, "Merge candidates"): two live
 * products whose GTINs are one GTIN family (GTIN-14s equal but for the packaging indicator, the first
 * digit: a unit and a case of it), or whose names are alike (pg_trgm similarity >= 0.6) under the same
 * brand and pack size. A dismissed pair never comes back; a merge ends the pair (the source is no longer
 * live). Admins merge with `POST /products/{id}/merge`.
 */
import type { MergeCandidate } from '@cartwatch/common-types';
import type { Database } from '@cartwatch/db';
import { sql } from 'kysely';
import type { z } from 'zod';
import type { DB } from '../db/schema.js';
import { withGtins } from './catalog.repository.js';
import { toProduct } from './catalog.service.js';

/** Name similarity from which two products of one brand and size are suspected duplicates. */
export const MERGE_NAME_SIMILARITY = 0.6;

export async function mergeCandidates(
  database: Database<DB>,
  limit: number,
): Promise<z.infer<typeof MergeCandidate>[]> {
  const { rows } = await sql<{
    a: string;
    b: string;
    reason: 'gtin-family' | 'similar-name';
    similarity: number | null;
  }>`
    with live as (select * from product where merged_into is null),
    family as (
      select distinct least(ga.product_id, gb.product_id) as a, greatest(ga.product_id, gb.product_id) as b,
             'gtin-family'::text as reason, null::real as similarity
      from product_gtin ga
      join product_gtin gb on substr(gb.gtin, 2, 12) = substr(ga.gtin, 2, 12) and gb.product_id <> ga.product_id
      join live pa on pa.id = ga.product_id
      join live pb on pb.id = gb.product_id
    ),
    alike as (
      select pa.id as a, pb.id as b, 'similar-name'::text as reason,
             product_name_similarity(pa.name_norm, pb.name_norm) as similarity
      from live pa
      join live pb on pb.id > pa.id and pb.brand_norm = pa.brand_norm
        and pb.size_value = pa.size_value and pb.size_unit = pa.size_unit
      where pa.brand_norm <> ''
        and product_name_similarity(pa.name_norm, pb.name_norm) >= ${MERGE_NAME_SIMILARITY}
    ),
    pairs as (
      select distinct on (a, b) * from (select * from family union all select * from alike) both_kinds
      order by a, b, (reason = 'gtin-family') desc
    )
    select p.* from pairs p
    where not exists (
      select 1 from product_merge_dismissal d where d.product_a = p.a and d.product_b = p.b
    )
    order by (p.reason = 'gtin-family') desc, p.similarity desc nulls first, p.a, p.b
    limit ${limit}`.execute(database.db);
  if (rows.length === 0) return [];
  const ids = [...new Set(rows.flatMap((row) => [row.a, row.b]))];
  const products = await withGtins(
    database.db,
    await database.db.selectFrom('product').selectAll().where('id', 'in', ids).execute(),
  );
  const byId = new Map(products.map((product) => [product.id, toProduct(product)]));
  return rows.map((row) => ({
    reason: row.reason,
    similarity: row.similarity === null ? null : Math.round(Number(row.similarity) * 1000) / 1000,
    products: [byId.get(row.a), byId.get(row.b)].filter((product) => product !== undefined),
  }));
}

/** An admin's "not a duplicate": the pair is never suggested again. */
export async function dismissMergeCandidate(
  database: Database<DB>,
  productIds: [string, string],
  adminId: string,
): Promise<void> {
  const [a, b] = [...productIds].sort() as [string, string];
  await database.db
    .insertInto('product_merge_dismissal')
    .values({ product_a: a, product_b: b, dismissed_by: adminId })
    .onConflict((oc) => oc.columns(['product_a', 'product_b']).doNothing())
    .execute();
}
