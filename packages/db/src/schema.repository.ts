/**
 * SQL about schemas themselves (docs/architecture.md, "Data access"): existence, creation, the test
 * harness' drop, the readiness ping, and the catalog reads of the schema-scoped introspector.
 */
import { type Kysely, sql } from 'kysely';

export async function schemaExists(db: Kysely<unknown>, name: string): Promise<boolean> {
  const existing = await sql`select 1 from pg_namespace where nspname = ${name}`.execute(db);
  return existing.rows.length > 0;
}

/** Takes a transaction-scoped advisory lock on the schema name, then creates the schema if it is missing. */
export async function createSchemaLocked(trx: Kysely<unknown>, name: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext(${`cartwatch.schema.${name}`}))`.execute(trx);
  await sql`create schema if not exists ${sql.id(name)}`.execute(trx);
}

/** DROP SCHEMA … CASCADE; a missing schema is not an error. */
export async function dropSchemaCascade(db: Kysely<unknown>, name: string): Promise<void> {
  await sql`drop schema if exists ${sql.id(name)} cascade`.execute(db);
}

/** The readiness probe: one round trip that needs no table. */
export async function pingDatabase<DB>(db: Kysely<DB>): Promise<void> {
  await sql`select 1`.execute(db);
}

export async function readSchemaNames(db: Kysely<unknown>, schema: string): Promise<{ name: string }[]> {
  const { rows } = await sql<{ name: string }>`
    select nspname as name from pg_catalog.pg_namespace where nspname = ${schema}`.execute(db);
  return rows;
}

export interface ColumnRow {
  table_name: string;
  table_type: string;
  column_name: string | null;
  udt_name: string | null;
  udt_schema: string | null;
  is_nullable: string | null;
  column_default: string | null;
}

/** Every table of `schema` with its columns in order (a table without columns comes back once, column null). */
export async function readSchemaColumns(db: Kysely<unknown>, schema: string): Promise<ColumnRow[]> {
  const { rows } = await sql<ColumnRow>`
    select t.table_name, t.table_type, c.column_name, c.udt_name, c.udt_schema, c.is_nullable, c.column_default
    from information_schema.tables t
    left join information_schema.columns c
      on c.table_schema = t.table_schema and c.table_name = t.table_name
    where t.table_schema = ${schema}
    order by t.table_name, c.ordinal_position`.execute(db);
  return rows;
}
