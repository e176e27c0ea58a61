/**
 * An isolated Postgres schema per test file (docs/architecture.md#testing): files run in parallel against one database
 * without seeing each other's tables, and a service's migrations run unchanged in the test schema because
 * every pooled connection's search_path is that schema.
 */
import { randomBytes } from 'node:crypto';
import { createDatabase, type Database, dropSchemaCascade, ensureSchema, migrateSchema } from '@cartwatch/db';
import { testEnv } from './test-env.js';

export interface TestDatabaseOptions {
  /** Names the schema `t_<prefix>_<random>`, e.g. the service or feature under test. */
  prefix: string;
  /** Runs these migrations (to latest) in the new schema, e.g. `new URL('../src/db/migrations', import.meta.url).pathname`. */
  migrationsFolder?: string;
  /** Pool size; default 5. */
  max?: number;
}

export type TestDatabase<DB = unknown> = Database<DB> & {
  /** DROP SCHEMA … CASCADE, then closes the pool. Idempotent; call it in afterAll. */
  drop(): Promise<void>;
};

/** Postgres identifiers are at most 63 bytes; the random tail keeps 10 of them. */
const MAX_PREFIX_LENGTH = 63 - 't__'.length - 10;

export function testSchemaName(prefix: string): string {
  const slug = prefix
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, MAX_PREFIX_LENGTH);
  return `t_${slug || 'test'}_${randomBytes(5).toString('hex')}`;
}

export async function createTestDatabase<DB = unknown>(
  options: TestDatabaseOptions,
): Promise<TestDatabase<DB>> {
  const schema = testSchemaName(options.prefix);
  const database = createDatabase<DB>({
    connectionString: testEnv().databaseUrl,
    schema,
    max: options.max ?? 5,
    applicationName: `test:${schema}`,
  });
  // Typed as Kysely<unknown> for the schema-level helpers, which do not touch DB's tables.
  const untyped = database as unknown as Database<unknown>;
  let dropped: Promise<void> | undefined;
  const drop = () => {
    dropped ??= (async () => {
      try {
        await dropSchemaCascade(untyped.db, schema);
      } finally {
        await database.close();
      }
    })();
    return dropped;
  };
  try {
    if (options.migrationsFolder)
      await migrateSchema(untyped, { migrationsFolder: options.migrationsFolder });
    else await ensureSchema(untyped.db, schema);
  } catch (error) {
    await drop().catch(() => {});
    throw error;
  }
  return Object.assign(database, { drop });
}
