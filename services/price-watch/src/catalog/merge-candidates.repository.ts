/** SQL of the merge-candidate queue (docs/price-watch.md, "Merge candidates"). */
import type { Executor } from '@cartwatch/db';
import { sql } from 'kysely';
import type { DB } from '../db/schema.js';
import type { ProductRow } from './catalog.repository.js';

export interface CandidatePair {
  a: string;
  b: string;
  reason: 'gtin-family' | 'similar-name';
  similarity: number | null;
}

/**
 * Undismissed pairs of live products (a < b) of one GTIN family, or alike by name (similarity at least
 * `minSimilarity`) under the same brand and pack size; GTIN families first, then the most alike.
 */
export async function findCandidatePairs(
  db: Executor<DB>,
  minSimilarity: number,
  limit: number,
): Promise<CandidatePair[]> {
  const { rows } = await sql<CandidatePair>`
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
        and product_name_similarity(pa.name_norm, pb.name_norm) >= ${minSimilarity}
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
    limit ${limit}`.execute(db);
  return rows;
}

export async function findProductsByIds(db: Executor<DB>, ids: readonly string[]): Promise<ProductRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('product').selectAll().where('id', 'in', ids).execute();
}

/** Records that a pair (a < b) is not a duplicate; a second dismissal is a no-op. */
export async function insertDismissal(
  db: Executor<DB>,
  a: string,
  b: string,
  adminId: string,
): Promise<void> {
  await db
    .insertInto('product_merge_dismissal')
    .values({ product_a: a, product_b: b, dismissed_by: adminId })
    .onConflict((oc) => oc.columns(['product_a', 'product_b']).doNothing())
    .execute();
}
