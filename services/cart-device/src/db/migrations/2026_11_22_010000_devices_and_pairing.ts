/**
 * Devices, their keys (only HMAC digests stored), short-lived pairing codes and pairing sessions.
 * "One active session per device and per user" is enforced by partial unique indexes, not by code alone.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('device')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('location_id', 'uuid', (col) => col.notNull())
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('firmware_version', 'text')
    .addColumn('last_seen_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('device_location_idx').on('device').columns(['location_id', 'id']).execute();

  await db.schema
    .createTable('device_key')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('device_id', 'uuid', (col) => col.notNull().references('device.id').onDelete('cascade'))
    .addColumn('secret_hash', 'bytea', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('device_key_device_idx').on('device_key').column('device_id').execute();

  await db.schema
    .createTable('pairing_code')
    .addColumn('code_hash', 'bytea', (col) => col.primaryKey())
    .addColumn('device_id', 'uuid', (col) => col.notNull().references('device.id').onDelete('cascade'))
    .addColumn('expires_at', 'timestamptz', (col) => col.notNull())
    .addColumn('used_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('pairing_code_device_idx').on('pairing_code').column('device_id').execute();

  await db.schema
    .createTable('pairing_session')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('device_id', 'uuid', (col) => col.notNull().references('device.id').onDelete('cascade'))
    .addColumn('user_id', 'uuid', (col) => col.notNull())
    .addColumn('location_id', 'uuid', (col) => col.notNull())
    .addColumn('started_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('last_activity_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('ended_at', 'timestamptz')
    .addColumn('end_reason', 'text', (col) =>
      col.check(sql`end_reason in ('device', 'user', 'idle', 'revoked', 'user-deleted')`),
    )
    .execute();
  await db.schema
    .createIndex('pairing_session_active_device_key')
    .on('pairing_session')
    .column('device_id')
    .unique()
    .where(sql.ref('ended_at'), 'is', null)
    .execute();
  await db.schema
    .createIndex('pairing_session_active_user_key')
    .on('pairing_session')
    .column('user_id')
    .unique()
    .where(sql.ref('ended_at'), 'is', null)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('pairing_session').execute();
  await db.schema.dropTable('pairing_code').execute();
  await db.schema.dropTable('device_key').execute();
  await db.schema.dropTable('device').execute();
}
