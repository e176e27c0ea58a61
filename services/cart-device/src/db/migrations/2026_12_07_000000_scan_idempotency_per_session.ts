/**
 * Scan ids are idempotency keys of a pairing session, not of a cart: carts restart their scan counter
 * for the next shopper, and a key per device replayed the previous shopper's cart to them (issue #17).
 * Rows written under the old key stay valid: a session belongs to one device, so (device, scan) being
 * unique means (session, scan) is too. The device column stays (cascade on device deletion), with an
 * index of its own now that it no longer leads the primary key.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('device_scan').dropConstraint('device_scan_pkey').execute();
  await db.schema
    .alterTable('device_scan')
    .addPrimaryKeyConstraint('device_scan_pkey', ['session_id', 'scan_id'])
    .execute();
  await db.schema.createIndex('device_scan_device_idx').on('device_scan').column('device_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  // Several sessions of one cart may now share a scan id; the old key keeps only the latest of each.
  await sql`
    delete from device_scan older
    using device_scan newer
    where older.device_id = newer.device_id
      and older.scan_id = newer.scan_id
      and (older.created_at, older.session_id) < (newer.created_at, newer.session_id)
  `.execute(db);
  await db.schema.dropIndex('device_scan_device_idx').execute();
  await db.schema.alterTable('device_scan').dropConstraint('device_scan_pkey').execute();
  await db.schema
    .alterTable('device_scan')
    .addPrimaryKeyConstraint('device_scan_pkey', ['device_id', 'scan_id'])
    .execute();
}
