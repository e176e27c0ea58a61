/**
 * Receipts from photos (docs/receipt-ingest.md#receipts-from-photos): the uploaded photo is stored here
 * (bytea, so any replica's OCR worker can process it) with its draft. A row is a job leased like
 * `sync_job` (`FOR UPDATE SKIP LOCKED`, lease owner and expiry): `queued` → `processing` →
 * `ready` / `no_receipt` / `failed`, then `confirmed` into a purchase.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('photo_receipt')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('user_id', 'uuid', (col) => col.notNull())
    .addColumn('status', 'text', (col) =>
      col
        .notNull()
        .check(sql`status in ('queued', 'processing', 'ready', 'no_receipt', 'failed', 'confirmed')`),
    )
    // The photo: the upload until OCR ran, then the orientation-corrected JPEG the review screen shows;
    // null once deleted (after confirmation unless kept).
    .addColumn('image', 'bytea')
    .addColumn('image_type', 'text', (col) => col.notNull())
    .addColumn('image_sha256', 'text', (col) => col.notNull())
    .addColumn('byte_size', 'integer', (col) => col.notNull())
    .addColumn('draft', 'jsonb')
    .addColumn('keep_photo', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('purchase_id', 'uuid')
    .addColumn('attempt', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('lease_owner', 'text')
    .addColumn('lease_expires_at', 'timestamptz')
    .addColumn('error_message', 'text')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('processed_at', 'timestamptz')
    .addColumn('confirmed_at', 'timestamptz')
    .execute();
  // The same photo twice is one draft (and, confirmed, one purchase).
  await db.schema
    .createIndex('photo_receipt_user_image')
    .on('photo_receipt')
    .columns(['user_id', 'image_sha256'])
    .unique()
    .execute();
  await sql`create index photo_receipt_claimable on photo_receipt (created_at, id)
    where status in ('queued', 'processing')`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('photo_receipt').execute();
}
