/**
 * A store location's telephone number, as printed on its receipts: photo receipts recognise the store by
 * it (docs/receipt-ingest.md#receipts-from-photos). Kept as entered; matching compares its digits.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('store_location').addColumn('phone', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('store_location').dropColumn('phone').execute();
}
