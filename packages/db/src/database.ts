/**
 * Kysely + pg bound to one service's schema. Every pooled connection starts with
 * `search_path = <schema>`, so services write unqualified table names and a test can run the same code
 * in an isolated schema.
 */
import { Kysely, type Transaction } from 'kysely';
import pg from 'pg';
import { SchemaScopedPostgresDialect } from './schema-introspector.js';

const INT8_OID = 20;

/** bigint columns (money in cents, counters) as JS numbers; refusing values that would lose precision. */
pg.types.setTypeParser(INT8_OID, (text: string) => {
  const value = Number(text);
  if (!Number.isSafeInteger(value))
    throw new RangeError(`int8 value ${text} exceeds Number.MAX_SAFE_INTEGER`);
  return value;
});

export interface DatabaseOptions {
  connectionString: string;
  /** Postgres schema the service owns (docs/architecture.md#data). */
  schema: string;
  max?: number;
  applicationName?: string;
  statementTimeoutMs?: number;
}

export interface Database<DB> {
  db: Kysely<DB>;
  pool: pg.Pool;
  schema: string;
  connectionString: string;
  close(): Promise<void>;
}

export type Executor<DB> = Kysely<DB> | Transaction<DB>;

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function assertSchemaName(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) throw new Error(`invalid schema name "${schema}"`);
  return schema;
}

export function createDatabase<DB>(options: DatabaseOptions): Database<DB> {
  const schema = assertSchemaName(options.schema);
  const startup = [`-c search_path=${schema}`];
  if (options.statementTimeoutMs) startup.push(`-c statement_timeout=${options.statementTimeoutMs}`);
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    application_name: options.applicationName,
    options: startup.join(' '),
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // A client losing its server must not crash the process. pg-pool listens for 'error' only on idle
  // clients (then emits it on the pool); a checked-out client (a query, a transaction or any longer
  // lease) emits it with no listener, which Node turns into an uncaught exception. Each client gets its
  // own listener for its whole life: the holder's in-flight query rejects with the error, and the pool
  // drops the unusable client on release.
  pool.on('error', ignoreClientError);
  pool.on('connect', (client) => client.on('error', ignoreClientError));
  const db = new Kysely<DB>({ dialect: new SchemaScopedPostgresDialect({ pool }, schema) });
  let closed = false;
  return {
    db,
    pool,
    schema,
    connectionString: options.connectionString,
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy(); // ends the pool too
    },
  };
}

function ignoreClientError(): void {}

export function withTransaction<DB, T>(db: Kysely<DB>, fn: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
  return db.transaction().execute(fn);
}

/** Whether a query failed on a unique constraint (SQLSTATE 23505): a conflict, not a server error. */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === '23505';
}
