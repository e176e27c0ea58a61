/** SQL over detected shrinkflation events and their review state. */
import { type Insertable, type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import type { DB, ShrinkflationTable } from '../db/schema.js';

type Executor = Kysely<DB> | Transaction<DB>;
export type ShrinkflationRow = Selectable<ShrinkflationTable>;
export type NewShrinkflationRow = Omit<
  Insertable<ShrinkflationTable>,
  | 'status'
  | 'detected_at'
  | 'updated_at'
  | 'published_at'
  | 'reviewed_at'
  | 'reviewed_by'
  | 'review_note'
  | 'contributors_alerted_at'
>;

/**
 * Inserts a detection or refreshes its figures and evidence (same `dedupe_key`). A rejected detection is
 * left untouched and undefined is returned: later observations never revive it.
 */
export function upsertDetection(
  db: Executor,
  row: NewShrinkflationRow,
): Promise<ShrinkflationRow | undefined> {
  const { id: _id, dedupe_key: _key, ...figures } = row;
  return db
    .insertInto('shrinkflation')
    .values(row)
    .onConflict((oc) =>
      oc
        .column('dedupe_key')
        .doUpdateSet({ ...figures, updated_at: new Date() })
        .where('shrinkflation.status', '<>', 'rejected'),
    )
    .returningAll()
    .executeTakeFirst();
}

export async function markPublished(db: Executor, id: string): Promise<void> {
  await db.updateTable('shrinkflation').set({ published_at: new Date() }).where('id', '=', id).execute();
}

export async function markContributorsAlerted(db: Executor, id: string): Promise<void> {
  await db
    .updateTable('shrinkflation')
    .set({ contributors_alerted_at: new Date() })
    .where('id', '=', id)
    .execute();
}

export function findShrinkflation(db: Executor, id: string): Promise<ShrinkflationRow | undefined> {
  return db.selectFrom('shrinkflation').selectAll().where('id', '=', id).executeTakeFirst();
}

export function lockShrinkflation(trx: Transaction<DB>, id: string): Promise<ShrinkflationRow | undefined> {
  return trx.selectFrom('shrinkflation').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export interface ShrinkflationFilter {
  category?: string | undefined;
  brand?: string | undefined;
  store?: string | undefined;
  since?: Date | undefined;
  /**
   * `all-but-rejected`, one status, `public` (confirmed, or detected with at least `minConfidence` and
   * independent evidence: docs/shrinkflation.md) or `moderation` (detected, awaiting an admin).
   */
  visibility:
    | { kind: 'all-but-rejected' }
    | { kind: 'status'; status: 'detected' | 'confirmed' | 'rejected' }
    | { kind: 'public'; minConfidence: number }
    | { kind: 'moderation' };
  /**
   * What a non-admin may read: confirmed detections, those with independent evidence, and those their
   * own receipts are evidence of (the user's id).
   */
  readableBy?: string | undefined;
  after?: { detectedAt: Date; id: string } | undefined;
  limit: number;
}

/** Newest first by detection time, keyset-paginated on (detected_at, id). */
export function listShrinkflation(db: Executor, filter: ShrinkflationFilter): Promise<ShrinkflationRow[]> {
  let query = db.selectFrom('shrinkflation').selectAll();
  const { visibility } = filter;
  if (visibility.kind === 'all-but-rejected') query = query.where('status', '<>', 'rejected');
  else if (visibility.kind === 'status') query = query.where('status', '=', visibility.status);
  else if (visibility.kind === 'moderation') query = query.where('status', '=', 'detected');
  else
    query = query.where((eb) =>
      eb.or([
        eb('status', '=', 'confirmed'),
        eb.and([
          eb('status', '=', 'detected'),
          eb('confidence', '>=', visibility.minConfidence),
          eb('independent_evidence', '=', true),
        ]),
      ]),
    );
  const reader = filter.readableBy;
  if (reader !== undefined)
    query = query.where((eb) =>
      eb.or([
        eb('status', '=', 'confirmed'),
        eb('independent_evidence', '=', true),
        sql<boolean>`${reader}::uuid = any(contributor_ids)`,
      ]),
    );
  if (filter.category !== undefined)
    query = query.where((eb) => eb(eb.fn('lower', ['category']), '=', filter.category?.toLowerCase() ?? ''));
  if (filter.brand !== undefined)
    query = query.where((eb) => eb(eb.fn('lower', ['brand']), '=', filter.brand?.toLowerCase() ?? ''));
  if (filter.store !== undefined) query = query.where('store_slug', '=', filter.store);
  if (filter.since !== undefined) query = query.where('changed_at', '>=', filter.since);
  const { after } = filter;
  if (after)
    query = query.where((eb) =>
      eb.or([
        eb('detected_at', '<', after.detectedAt),
        eb.and([eb('detected_at', '=', after.detectedAt), eb('id', '<', after.id)]),
      ]),
    );
  return query.orderBy('detected_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
}

export async function recordReview(
  db: Executor,
  id: string,
  review: { status: 'confirmed' | 'rejected'; reviewerId: string; note: string | null },
): Promise<ShrinkflationRow> {
  return db
    .updateTable('shrinkflation')
    .set({
      status: review.status,
      reviewed_by: review.reviewerId,
      reviewed_at: new Date(),
      review_note: review.note,
      updated_at: new Date(),
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** A deleted user's id among contributors becomes their pseudonym (docs/privacy.md). */
export async function replaceContributor(db: Executor, userId: string, pseudonym: string): Promise<void> {
  await sql`
    update shrinkflation set contributor_ids = array_replace(contributor_ids, ${userId}::uuid, ${pseudonym}::uuid)
    where ${userId}::uuid = any(contributor_ids)`.execute(db);
}

/** Forgets a deleted user as the reviewer of detections (the review itself stands). */
export async function detachReviewer(db: Executor, userId: string): Promise<number> {
  const result = await db
    .updateTable('shrinkflation')
    .set({ reviewed_by: null })
    .where('reviewed_by', '=', userId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * Deletes successor pairings that the predecessor's own later sightings disprove: still sold in the store
 * after the overlap window. Only unreviewed, unpublished ones; the others wait for an admin.
 */
export async function withdrawDisprovedPairings(
  db: Executor,
  predecessor: { productId: string; storeSlug: string; seenAt: Date; overlapDays: number },
): Promise<number> {
  const latestChange = new Date(predecessor.seenAt.getTime() - predecessor.overlapDays * 86_400_000);
  const result = await db
    .deleteFrom('shrinkflation')
    .where('kind', '=', 'successor')
    .where('product_id', '=', predecessor.productId)
    .where('store_slug', '=', predecessor.storeSlug)
    .where('status', '=', 'detected')
    .where('published_at', 'is', null)
    .where('changed_at', '<', latestChange)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
