/** SQL over detected shrinkflation events and their review state. */
import type { Insertable, Kysely, Selectable, Transaction } from 'kysely';
import type { DB, ShrinkflationTable } from '../db/schema.js';

type Executor = Kysely<DB> | Transaction<DB>;
export type ShrinkflationRow = Selectable<ShrinkflationTable>;
export type NewShrinkflationRow = Omit<
  Insertable<ShrinkflationTable>,
  'status' | 'detected_at' | 'updated_at' | 'published_at' | 'reviewed_at' | 'reviewed_by' | 'review_note'
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
  /** `all-but-rejected`, one status, or `public` (confirmed, or detected with at least `minConfidence`). */
  visibility:
    | { kind: 'all-but-rejected' }
    | { kind: 'status'; status: 'detected' | 'confirmed' | 'rejected' }
    | { kind: 'public'; minConfidence: number };
  after?: { detectedAt: Date; id: string } | undefined;
  limit: number;
}

/** Newest first by detection time, keyset-paginated on (detected_at, id). */
export function listShrinkflation(db: Executor, filter: ShrinkflationFilter): Promise<ShrinkflationRow[]> {
  let query = db.selectFrom('shrinkflation').selectAll();
  const { visibility } = filter;
  if (visibility.kind === 'all-but-rejected') query = query.where('status', '<>', 'rejected');
  else if (visibility.kind === 'status') query = query.where('status', '=', visibility.status);
  else
    query = query.where((eb) =>
      eb.or([
        eb('status', '=', 'confirmed'),
        eb.and([eb('status', '=', 'detected'), eb('confidence', '>=', visibility.minConfidence)]),
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
