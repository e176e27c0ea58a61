/** Users' accounts at retailers: encrypted credentials and captured sessions, sync status. */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('store_account')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('user_id', 'uuid', (col) => col.notNull())
    .addColumn('retailer_id', 'uuid', (col) => col.notNull().references('retailer.id').onDelete('cascade'))
    .addColumn('status', 'text', (col) => col.notNull())
    // AES-256-GCM: iv (12 bytes) | tag (16 bytes) | ciphertext, with the id of the key that sealed it.
    .addColumn('credential_ciphertext', 'bytea', (col) => col.notNull())
    .addColumn('credential_key_id', 'text', (col) => col.notNull())
    .addColumn('session_ciphertext', 'bytea')
    .addColumn('session_key_id', 'text')
    .addColumn('last_sync_at', 'timestamptz')
    .addColumn('last_error_code', 'text')
    .addColumn('connected_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('store_account_user_retailer', ['user_id', 'retailer_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('store_account').execute();
}
