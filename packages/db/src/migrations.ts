/**
 * Per-schema migrations: each service keeps its migration table and lock inside its own schema, so
 * services migrate independently and never touch each other's history.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Kysely } from 'kysely';
import {
  FileMigrationProvider,
  type MigrationInfo,
  type MigrationResultSet,
  Migrator,
  NO_MIGRATIONS,
} from 'kysely/migration';
import { assertSchemaName, createDatabase, type Database } from './database.js';
import { createSchemaLocked, schemaExists } from './schema.repository.js';

export const MIGRATION_TABLE = 'kysely_migration';
export const MIGRATION_LOCK_TABLE = 'kysely_migration_lock';

/**
 * `create schema if not exists` races with itself (two replicas starting at once both try the insert into
 * pg_namespace); a transaction-scoped advisory lock on the schema name serialises them.
 */
export async function ensureSchema(db: Kysely<unknown>, schema: string): Promise<void> {
  const name = assertSchemaName(schema);
  // An existing schema needs no CREATE on the database: in Kubernetes each service role owns its
  // pre-created schema and has no right to create others.
  if (await schemaExists(db, name)) return;
  await db.transaction().execute((trx) => createSchemaLocked(trx, name));
}

/** The Migrator only needs an untyped handle: migrations work on `Kysely<any>` by design. */
function untyped<DB>(database: Database<DB>): Kysely<unknown> {
  return database.db as unknown as Kysely<unknown>;
}

export function createSchemaMigrator<DB>(database: Database<DB>, migrationsFolder: string): Migrator {
  return new Migrator({
    db: untyped(database),
    provider: new FileMigrationProvider({
      fs,
      path,
      migrationFolder: migrationsFolder,
      import: (file: string) => import(pathToFileURL(file).href),
    }),
    migrationTableSchema: database.schema,
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
  });
}

export type MigrationDirection = 'latest' | 'up' | 'down';

export class MigrationError extends Error {
  constructor(
    message: string,
    readonly results: MigrationResultSet['results'],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

/** Applies (or reverts one) migration in the database's schema; throws MigrationError on failure. */
export async function migrateSchema<DB>(
  database: Database<DB>,
  options: { migrationsFolder: string; direction?: MigrationDirection },
): Promise<NonNullable<MigrationResultSet['results']>> {
  await ensureSchema(untyped(database), database.schema);
  const migrator = createSchemaMigrator(database, options.migrationsFolder);
  const direction = options.direction ?? 'latest';
  const resultSet =
    direction === 'latest'
      ? await migrator.migrateToLatest()
      : direction === 'up'
        ? await migrator.migrateUp()
        : await migrator.migrateDown();
  if (resultSet.error) {
    const failed = resultSet.results?.find((result) => result.status === 'Error');
    throw new MigrationError(
      `migration ${failed?.migrationName ?? '(setup)'} failed in schema ${database.schema}: ${String(
        resultSet.error instanceof Error ? resultSet.error.message : resultSet.error,
      )}`,
      resultSet.results,
      { cause: resultSet.error },
    );
  }
  return resultSet.results ?? [];
}

/** Reverts every migration of the schema (used by tests of `down`). */
export async function migrateSchemaToZero<DB>(
  database: Database<DB>,
  migrationsFolder: string,
): Promise<void> {
  const result = await createSchemaMigrator(database, migrationsFolder).migrateTo(NO_MIGRATIONS);
  if (result.error) throw result.error;
}

export async function migrationStatus<DB>(
  database: Database<DB>,
  options: { migrationsFolder: string },
): Promise<readonly MigrationInfo[]> {
  await ensureSchema(untyped(database), database.schema);
  return createSchemaMigrator(database, options.migrationsFolder).getMigrations();
}

const USAGE = 'usage: migrate <latest|up|down|status>';

/**
 * `migrate latest|up|down|status` for one service. Prints one line per migration; exits non-zero on failure.
 */
export async function runMigrateCli(options: {
  schema: string;
  migrationsFolder: string;
  connectionString?: string;
  argv?: string[];
  out?: (line: string) => void;
}): Promise<number> {
  const out = options.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const command = (options.argv ?? process.argv.slice(2))[0] ?? 'latest';
  const connectionString = options.connectionString ?? process.env.DATABASE_URL;
  if (!connectionString) {
    out('DATABASE_URL is not set');
    return 2;
  }
  if (!['latest', 'up', 'down', 'status'].includes(command)) {
    out(USAGE);
    return 2;
  }
  const database = createDatabase<unknown>({
    connectionString,
    schema: options.schema,
    max: 1,
    applicationName: `migrate:${options.schema}`,
  });
  try {
    if (command === 'status') {
      for (const info of await migrationStatus(database, options)) {
        out(`${info.executedAt ? `applied ${info.executedAt.toISOString()}` : 'pending'}  ${info.name}`);
      }
      return 0;
    }
    const results = await migrateSchema(database, {
      migrationsFolder: options.migrationsFolder,
      direction: command as MigrationDirection,
    });
    if (results.length === 0) out(`schema ${options.schema}: nothing to do`);
    for (const result of results)
      out(`schema ${options.schema}: ${result.direction} ${result.migrationName} ${result.status}`);
    return 0;
  } catch (error) {
    out(error instanceof Error ? error.message : String(error));
    return 1;
  } finally {
    await database.close();
  }
}
