/**
 * What the platform's database holds about one user, read directly (not through the gateway): every
 * table of the seven service schemas with a `user_id` (or `<x>_user_id`) column, and the gateway's
 * account row. The account-deletion journey asserts these counts reach 0 for a deleted user (purging
 * is event-driven, so it polls) and stay above 0 for everyone else. The `deleted_user` tombstones are
 * counted apart (`tombstoneCounts`): holding the bare id of a deleted account is their purpose
 * (docs/privacy.md, deletion is final).
 */
import { testEnv } from '@cartwatch/testing';
import pg from 'pg';

/** The schema of each service (README's service table). */
export const serviceSchemas = ['identity', 'ingest', 'pricing', 'shrink', 'coupon', 'orders', 'device'];

export interface UserRowCount {
  /** `schema.table.column`. */
  table: string;
  rows: number;
}

function databaseUrl(databaseName: string): string {
  const url = new URL(testEnv().databaseUrl);
  url.pathname = `/${databaseName}`;
  return url.toString();
}

async function connect(databaseName: string): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: databaseUrl(databaseName),
    application_name: 'cartwatch-e2e',
  });
  await client.connect();
  return client;
}

/** The schemas whose `deleted_user` tombstone names `userId`. */
export async function tombstoneSchemas(databaseName: string, userId: string): Promise<string[]> {
  const client = await connect(databaseName);
  try {
    const found: string[] = [];
    for (const schema of serviceSchemas) {
      const { rows } = await client.query<{ count: string }>(
        `select count(*) as count from ${pg.escapeIdentifier(schema)}.deleted_user where user_id::text = $1`,
        [userId],
      );
      if (Number(rows[0]?.count ?? 0) > 0) found.push(schema);
    }
    return found;
  } finally {
    await client.end();
  }
}

/** Rows naming `userId` in every user column of every service schema, the gateway's account included. */
export async function userRowCounts(databaseName: string, userId: string): Promise<UserRowCount[]> {
  const client = await connect(databaseName);
  try {
    const { rows: columns } = await client.query<{ schema: string; table: string; column: string }>(
      `select c.table_schema as schema, c.table_name as table, c.column_name as column
         from information_schema.columns c
         join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
        where c.table_schema = any($1) and t.table_type = 'BASE TABLE' and c.table_name <> 'deleted_user'
          and (c.column_name = 'user_id' or c.column_name like '%\\_user\\_id' escape '\\'
               or (c.table_schema = 'identity' and c.table_name = 'app_user' and c.column_name = 'id'))
        order by 1, 2, 3`,
      [serviceSchemas],
    );
    const counts: UserRowCount[] = [];
    for (const { schema, table, column } of columns) {
      const name = `${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(table)}`;
      const { rows } = await client.query<{ count: string }>(
        `select count(*) as count from ${name} where ${pg.escapeIdentifier(column)}::text = $1`,
        [userId],
      );
      counts.push({ table: `${schema}.${table}.${column}`, rows: Number(rows[0]?.count ?? 0) });
    }
    return counts;
  } finally {
    await client.end();
  }
}
