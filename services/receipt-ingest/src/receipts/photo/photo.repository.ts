/** SQL for photo receipts: the row is the draft and the OCR job (leased like sync_job). */
import type { Executor } from '@cartwatch/db';
import { type Insertable, type Selectable, sql } from 'kysely';
import type { DB, PhotoReceiptTable } from '../../db/schema.js';
import type { KnownStore } from './photo-draft.js';

export type PhotoRow = Selectable<PhotoReceiptTable>;
export type PhotoSummaryRow = Omit<PhotoRow, 'image'> & { has_image: boolean };

const summaryColumns = [
  'id',
  'user_id',
  'status',
  'image_type',
  'image_sha256',
  'byte_size',
  'draft',
  'keep_photo',
  'purchase_id',
  'attempt',
  'lease_owner',
  'lease_expires_at',
  'error_message',
  'created_at',
  'processed_at',
  'confirmed_at',
] as const;

/** Inserts the upload; undefined when the user already uploaded the same bytes (see findByHash). */
export async function insertPhoto(
  db: Executor<DB>,
  row: Insertable<PhotoReceiptTable>,
): Promise<{ id: string } | undefined> {
  return db
    .insertInto('photo_receipt')
    .values(row)
    .onConflict((oc) => oc.columns(['user_id', 'image_sha256']).doNothing())
    .returning('id')
    .executeTakeFirst();
}

export async function findByHash(
  db: Executor<DB>,
  userId: string,
  sha256: string,
): Promise<{ id: string; status: PhotoRow['status'] } | undefined> {
  return db
    .selectFrom('photo_receipt')
    .select(['id', 'status'])
    .where('user_id', '=', userId)
    .where('image_sha256', '=', sha256)
    .executeTakeFirst();
}

export async function findPhoto(
  db: Executor<DB>,
  userId: string,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<PhotoSummaryRow | undefined> {
  let query = db
    .selectFrom('photo_receipt')
    .select(summaryColumns)
    .select(sql<boolean>`image is not null`.as('has_image'))
    .where('user_id', '=', userId)
    .where('id', '=', id);
  if (options.forUpdate) query = query.forUpdate();
  return query.executeTakeFirst();
}

export async function findImage(
  db: Executor<DB>,
  userId: string,
  id: string,
): Promise<{ image: Buffer | null; image_type: string } | undefined> {
  return db
    .selectFrom('photo_receipt')
    .select(['image', 'image_type'])
    .where('user_id', '=', userId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function updatePhoto(
  db: Executor<DB>,
  userId: string,
  id: string,
  changes: Partial<{
    status: PhotoRow['status'];
    draft: string | null;
    keep_photo: boolean;
    purchase_id: string | null;
    image: Buffer | null;
    confirmed_at: Date;
  }>,
): Promise<void> {
  await db
    .updateTable('photo_receipt')
    .set(changes)
    .where('user_id', '=', userId)
    .where('id', '=', id)
    .execute();
}

export async function deletePhoto(db: Executor<DB>, userId: string, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom('photo_receipt')
    .where('user_id', '=', userId)
    .where('id', '=', id)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export async function deleteUserPhotos(db: Executor<DB>, userId: string): Promise<void> {
  await db.deleteFrom('photo_receipt').where('user_id', '=', userId).execute();
}

export interface ClaimedPhoto {
  id: string;
  user_id: string;
  image: Buffer;
  image_type: string;
  attempt: number;
}

/**
 * Leases up to `limit` photos to `owner`: queued ones, and processing ones whose lease expired (their
 * worker died). Read `FOR UPDATE SKIP LOCKED`, so two replicas never take the same photo.
 */
export async function claimPhotos(
  db: Executor<DB>,
  options: { owner: string; limit: number; leaseMs: number },
): Promise<ClaimedPhoto[]> {
  if (options.limit <= 0) return [];
  const { rows } = await sql<ClaimedPhoto>`
    with claimable as (
      select id from photo_receipt
      where image is not null and (status = 'queued' or (status = 'processing' and lease_expires_at < now()))
      order by created_at, id
      limit ${options.limit}
      for update skip locked
    )
    update photo_receipt p set status = 'processing', attempt = p.attempt + 1, lease_owner = ${options.owner},
      lease_expires_at = now() + make_interval(secs => ${options.leaseMs / 1000}::double precision)
    from claimable where p.id = claimable.id
    returning p.id, p.user_id, p.image, p.image_type, p.attempt`.execute(db);
  return rows;
}

export async function renewLease(
  db: Executor<DB>,
  id: string,
  owner: string,
  leaseMs: number,
): Promise<boolean> {
  const result = await sql`
    update photo_receipt set lease_expires_at = now() + make_interval(secs => ${leaseMs / 1000}::double precision)
    where id = ${id} and status = 'processing' and lease_owner = ${owner}`.execute(db);
  return (result.numAffectedRows ?? 0n) > 0n;
}

/** Ends a run; only the lease holder may, so a run that lost its lease changes nothing. */
export async function finishPhoto(
  db: Executor<DB>,
  id: string,
  owner: string,
  outcome:
    | { status: 'ready' | 'no_receipt'; draft: string; display: Buffer }
    | { status: 'failed'; error: string }
    | { status: 'queued'; error: string },
): Promise<boolean> {
  const base = { lease_owner: null, lease_expires_at: null };
  const changes =
    'draft' in outcome
      ? {
          ...base,
          status: outcome.status,
          draft: outcome.draft,
          image: outcome.display,
          image_type: 'image/jpeg',
          error_message: null,
          processed_at: new Date(),
        }
      : { ...base, status: outcome.status, error_message: outcome.error, processed_at: new Date() };
  const result = await db
    .updateTable('photo_receipt')
    .set(changes)
    .where('id', '=', id)
    .where('status', '=', 'processing')
    .where('lease_owner', '=', owner)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Retention: drafts never confirmed are deleted `days` after upload; confirmed ones whose photo was not
 * kept are deleted `days` after confirmation (the purchase stays). Returns how many rows went.
 */
export async function deleteExpired(db: Executor<DB>, days: number): Promise<number> {
  const result = await db
    .deleteFrom('photo_receipt')
    .where((eb) =>
      eb.or([
        eb.and([
          eb('status', '<>', 'confirmed'),
          eb('created_at', '<', sql<Date>`now() - make_interval(days => ${days})`),
        ]),
        eb.and([
          eb('status', '=', 'confirmed'),
          eb('image', 'is', null),
          eb('confirmed_at', '<', sql<Date>`now() - make_interval(days => ${days})`),
        ]),
      ]),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Retailers with their locations' street addresses and telephone numbers, for store recognition. */
export async function knownStores(db: Executor<DB>): Promise<KnownStore[]> {
  const retailers = await db.selectFrom('retailer').select(['id', 'slug', 'name']).limit(5_000).execute();
  const locations = await db
    .selectFrom('store_location')
    .select(['id', 'retailer_id', 'address_line', 'phone'])
    .where((eb) => eb.or([eb('address_line', 'is not', null), eb('phone', 'is not', null)]))
    .limit(50_000)
    .execute();
  return retailers.map((retailer) => ({
    slug: retailer.slug,
    name: retailer.name,
    locations: locations
      .filter((location) => location.retailer_id === retailer.id)
      .map((location) => ({ id: location.id, addressLine: location.address_line, phone: location.phone })),
  }));
}
