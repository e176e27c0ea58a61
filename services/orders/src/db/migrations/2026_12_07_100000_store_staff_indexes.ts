/**
 * Store staff work by retailer: the locations of one retailer (`store_slug`) and the orders placed at
 * them (`GET /orders?all=true` for staff, newest first).
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('store_location_store_slug_idx')
    .on('store_location')
    .column('store_slug')
    .execute();
  await db.schema.createIndex('order_location_id_idx').on('order').columns(['location_id', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('order_location_id_idx').execute();
  await db.schema.dropIndex('store_location_store_slug_idx').execute();
}
