/** Opt-in rendering of a URL watch's page, and what a rendered page was refused. */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('watch')
    .addColumn('render', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
  await db.schema.alterTable('watch_run').addColumn('blocked_requests', 'jsonb').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('watch_run').dropColumn('blocked_requests').execute();
  await db.schema.alterTable('watch').dropColumn('render').execute();
}
