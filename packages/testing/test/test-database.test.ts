import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase, testEnv, testSchemaName } from '../src/index.js';

interface WidgetDb {
  widget: { id: string; name: string };
}

async function schemaExists(schema: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: testEnv().databaseUrl });
  await client.connect();
  try {
    const result = await client.query('select 1 from information_schema.schemata where schema_name = $1', [
      schema,
    ]);
    return result.rowCount === 1;
  } finally {
    await client.end();
  }
}

describe('createTestDatabase', () => {
  let first: TestDatabase;
  let second: TestDatabase;

  beforeAll(async () => {
    [first, second] = await Promise.all([
      createTestDatabase({ prefix: 'isolation' }),
      createTestDatabase({ prefix: 'isolation' }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([first.drop(), second.drop()]);
  });

  it('gives each caller its own schema named t_<prefix>_<random>', () => {
    expect(first.schema).toMatch(/^t_isolation_[0-9a-f]{10}$/);
    expect(second.schema).toMatch(/^t_isolation_[0-9a-f]{10}$/);
    expect(first.schema).not.toBe(second.schema);
  });

  it('keeps tables of one schema invisible to the other', async () => {
    await sql`create table widget (id int primary key)`.execute(first.db);
    await sql`insert into widget values (1)`.execute(first.db);

    const unseen = await sql<{ found: string | null }>`select to_regclass('widget')::text as found`.execute(
      second.db,
    );
    expect(unseen.rows).toEqual([{ found: null }]);
    await expect(sql`select * from widget`.execute(second.db)).rejects.toThrow(/does not exist/);

    await sql`create table widget (id int primary key)`.execute(second.db);
    const rows = await sql<{ count: number }>`select count(*)::int as count from widget`.execute(second.db);
    expect(rows.rows).toEqual([{ count: 0 }]);
  });

  it('runs the migrations of a folder in the new schema', async () => {
    const migrationsFolder = fileURLToPath(new URL('./fixtures/migrations', import.meta.url));
    const migrated = await createTestDatabase<WidgetDb>({ prefix: 'migrated', migrationsFolder });
    try {
      await migrated.db.insertInto('widget').values({ id: crypto.randomUUID(), name: 'gizmo' }).execute();
      const names = await migrated.db.selectFrom('widget').select('name').execute();
      expect(names).toEqual([{ name: 'gizmo' }]);
      const history = await sql<{ name: string }>`select name from kysely_migration`.execute(migrated.db);
      expect(history.rows).toEqual([{ name: '2025_01_01_000000_create_widget' }]);
    } finally {
      await migrated.drop();
    }
  });

  it('drop() removes the schema with everything in it and closes the pool', async () => {
    const doomed = await createTestDatabase({ prefix: 'doomed' });
    await sql`create table gadget (id int)`.execute(doomed.db);
    expect(await schemaExists(doomed.schema)).toBe(true);
    await doomed.drop();
    await doomed.drop(); // idempotent
    expect(await schemaExists(doomed.schema)).toBe(false);
    expect(doomed.pool.ended).toBe(true);
  });
});

describe('testSchemaName', () => {
  it('turns any prefix into a valid Postgres identifier of at most 63 characters', () => {
    expect(testSchemaName('Price-Watch alerts!')).toMatch(/^t_price_watch_alerts_[0-9a-f]{10}$/);
    expect(testSchemaName('x'.repeat(100))).toHaveLength(63);
    expect(testSchemaName('---')).toMatch(/^t_test_[0-9a-f]{10}$/);
  });
});
