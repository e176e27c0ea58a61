/**
 * Store sync jobs (a jobs table leased with FOR UPDATE SKIP LOCKED, docs/retailer-adapters.md) and the
 * store account's sync bookkeeping: the adapter's cursor, when the session expires, the next periodic run.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('store_account')
    .addColumn('sync_cursor', 'text')
    .addColumn('session_expires_at', 'timestamptz')
    .addColumn('next_sync_at', 'timestamptz')
    .addColumn('last_error_message', 'text')
    .execute();
  await db.schema
    .createTable('sync_job')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('store_account_id', 'uuid', (col) =>
      col.notNull().references('store_account.id').onDelete('cascade'),
    )
    .addColumn('user_id', 'uuid', (col) => col.notNull())
    .addColumn('retailer_id', 'uuid', (col) => col.notNull().references('retailer.id').onDelete('cascade'))
    .addColumn('trigger', 'text', (col) => col.notNull().check(sql`trigger in ('manual', 'scheduled')`))
    .addColumn('state', 'text', (col) =>
      col.notNull().check(sql`state in ('queued', 'running', 'succeeded', 'failed')`),
    )
    .addColumn('attempt', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('max_attempts', 'integer', (col) => col.notNull())
    .addColumn('run_after', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    // Who runs it and until when: a running job whose lease expired belongs to a crashed worker.
    .addColumn('lease_owner', 'text')
    .addColumn('lease_expires_at', 'timestamptz')
    .addColumn('started_at', 'timestamptz')
    .addColumn('finished_at', 'timestamptz')
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('imported_count', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('already_known_count', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  // At most one queued or running job per account: a second request gets the existing job.
  await sql`create unique index sync_job_one_active_per_account on sync_job (store_account_id)
    where state in ('queued', 'running')`.execute(db);
  await sql`create index sync_job_claimable on sync_job (run_after, id) where state in ('queued', 'running')`.execute(
    db,
  );
  await db.schema
    .createIndex('sync_job_retailer_started')
    .on('sync_job')
    .columns(['retailer_id', 'started_at'])
    .execute();
  await db.schema
    .createIndex('sync_job_account_created')
    .on('sync_job')
    .columns(['store_account_id', 'created_at'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('sync_job').execute();
  await db.schema
    .alterTable('store_account')
    .dropColumn('sync_cursor')
    .dropColumn('session_expires_at')
    .dropColumn('next_sync_at')
    .dropColumn('last_error_message')
    .execute();
}
