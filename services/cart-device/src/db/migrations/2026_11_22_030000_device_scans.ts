/** Applied scans, keyed by (device, scanId): a retried scan finds its row and replays the answer. */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('device_scan')
    .addColumn('device_id', 'uuid', (col) => col.notNull().references('device.id').onDelete('cascade'))
    .addColumn('scan_id', 'text', (col) => col.notNull())
    .addColumn('session_id', 'uuid', (col) => col.notNull())
    .addColumn('user_id', 'uuid', (col) => col.notNull())
    .addColumn('barcode', 'text', (col) => col.notNull())
    .addColumn('action', 'text', (col) => col.notNull().check(sql`action in ('add', 'remove')`))
    .addColumn('quantity', 'integer', (col) => col.notNull().check(sql`quantity > 0`))
    .addColumn('product_id', 'uuid')
    .addColumn('result', 'jsonb')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('device_scan_pkey', ['device_id', 'scan_id'])
    .execute();
  await db.schema.createIndex('device_scan_user_idx').on('device_scan').column('user_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('device_scan').execute();
}
