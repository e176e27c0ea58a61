/**
 * Paused watches, and the per-watch check interval bounded by the politeness rules
 * (docs/price-watch.md, "Watches": 60 minutes to 7 days).
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('watch')
    .addColumn('paused', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
  await sql`alter table watch add constraint watch_check_interval_bounds
    check (check_interval_seconds between 3600 and 604800)`.execute(db);
  // The scheduler's due index leaves paused watches out.
  await sql`drop index watch_due`.execute(db);
  await sql`create index watch_due on watch (next_check_at) where url is not null and not paused`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index watch_due`.execute(db);
  await sql`create index watch_due on watch (next_check_at) where url is not null`.execute(db);
  await sql`alter table watch drop constraint watch_check_interval_bounds`.execute(db);
  await db.schema.alterTable('watch').dropColumn('paused').execute();
}
