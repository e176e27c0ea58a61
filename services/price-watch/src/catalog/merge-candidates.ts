/**
 * The admins' queue of suspected duplicate products (docs/price-watch.md, "Merge candidates"): two live
 * products whose GTINs are one GTIN family (GTIN-14s equal but for the packaging indicator, the first
 * digit: a unit and a case of it), or whose names are alike (pg_trgm similarity >= 0.6) under the same
 * brand and pack size. A dismissed pair never comes back; a merge ends the pair (the source is no longer
 * live). Admins merge with `POST /products/{id}/merge`.
 */
import type { MergeCandidate } from '@cartwatch/common-types';
import type { Database } from '@cartwatch/db';
import type { z } from 'zod';
import type { DB } from '../db/schema.js';
import { withGtins } from './catalog.repository.js';
import { toProduct } from './catalog.service.js';
import { findCandidatePairs, findProductsByIds, insertDismissal } from './merge-candidates.repository.js';

/** Name similarity from which two products of one brand and size are suspected duplicates. */
export const MERGE_NAME_SIMILARITY = 0.6;

export async function mergeCandidates(
  database: Database<DB>,
  limit: number,
): Promise<z.infer<typeof MergeCandidate>[]> {
  const rows = await findCandidatePairs(database.db, MERGE_NAME_SIMILARITY, limit);
  if (rows.length === 0) return [];
  const ids = [...new Set(rows.flatMap((row) => [row.a, row.b]))];
  const products = await withGtins(database.db, await findProductsByIds(database.db, ids));
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
  await insertDismissal(database.db, a, b, adminId);
}
