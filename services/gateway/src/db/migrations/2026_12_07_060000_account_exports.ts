/**
 * Whole-account exports (issue #22): `account_export`, one row per export job. POST /me/export writes the
 * row (queued) and returns; the export worker leases it (`lease_owner`, `lease_expires_at`, FOR UPDATE SKIP
 * LOCKED) after that commit, collects every service's data and stores the zip in `archive`, so any gateway
 * replica serves the download. At most one queued or running export per user (partial unique index).
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('account_export')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('user_id', 'uuid', (col) => col.notNull().references('app_user.id').onDelete('cascade'))
    .addColumn('status', 'text', (col) =>
      col
        .notNull()
        .defaultTo('queued')
        .check(sql`status in ('queued', 'running', 'ready', 'failed', 'expired')`),
    )
    .addColumn('progress_done', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('max_attempts', 'integer', (col) => col.notNull())
    .addColumn('run_after', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('lease_owner', 'text')
    .addColumn('lease_expires_at', 'timestamptz')
    .addColumn('last_error', 'text')
    .addColumn('archive', 'bytea')
    .addColumn('size_bytes', 'integer')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', 'timestamptz')
    .addColumn('expires_at', 'timestamptz')
    .addColumn('downloaded_at', 'timestamptz')
    .execute();
  await sql`create unique index account_export_one_active on account_export (user_id)
            where status in ('queued', 'running')`.execute(db);
  await db.schema
    .createIndex('account_export_user_created_idx')
    .on('account_export')
    .columns(['user_id', 'created_at'])
    .execute();
  await sql`create index account_export_due_idx on account_export (run_after)
            where status in ('queued', 'running')`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('account_export').execute();
}
