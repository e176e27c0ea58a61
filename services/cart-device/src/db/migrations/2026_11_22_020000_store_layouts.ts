/**
 * Store layouts, one per location, stored whole as validated JSON: a route always needs the whole
 * graph, a PUT replaces the whole layout, and `version` lets readers cache the parsed graph.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('store_layout')
    .addColumn('location_id', 'uuid', (col) => col.primaryKey())
    .addColumn('version', 'integer', (col) => col.notNull())
    .addColumn('layout', 'jsonb', (col) => col.notNull())
    .addColumn('updated_by', 'uuid', (col) => col.notNull())
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('store_layout').execute();
}
