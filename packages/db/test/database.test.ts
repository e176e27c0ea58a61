/** Runs against the real Postgres named by DATABASE_URL (default: the local one); fails if it is absent. */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../src/database.js';
import { newId } from '../src/ids.js';
import { migrateSchema, migrationStatus, runMigrateCli } from '../src/migrations.js';
import { executePrepared, preparedStatementName } from '../src/prepared.js';

const connectionString = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const migrationsFolder = fileURLToPath(new URL('./fixtures/migrations', import.meta.url));

interface Widget {
  id: string;
  price_cents: number;
  weight: string | null;
  name: string | null;
}

const opened: Array<Database<{ widget: Widget }> | Database<unknown>> = [];
function freshDatabase(): Database<{ widget: Widget }> {
  const database = createDatabase<{ widget: Widget }>({
    connectionString,
    schema: `t_db_${randomBytes(5).toString('hex')}`,
    max: 2,
  });
  opened.push(database);
  return database;
}

afterAll(async () => {
  for (const database of opened) {
    await sql`drop schema if exists ${sql.id(database.schema)} cascade`.execute(database.db);
    await database.close();
  }
});

describe('createDatabase', () => {
  it('binds unqualified names to its schema and keeps schemas apart', async () => {
    const a = freshDatabase();
    const b = freshDatabase();
    await migrateSchema(a, { migrationsFolder });
    await migrateSchema(b, { migrationsFolder });
    await a.db
      .insertInto('widget')
      .values({ id: newId(), price_cents: 399, weight: '14.5', name: 'a' })
      .execute();
    expect(await a.db.selectFrom('widget').selectAll().execute()).toHaveLength(1);
    expect(await b.db.selectFrom('widget').selectAll().execute()).toHaveLength(0);
    const { rows } = await a.pool.query<{ search_path: string }>('show search_path');
    expect(rows[0]?.search_path).toBe(a.schema);
  });

  it('returns bigint as numbers and numeric as exact strings, refusing unsafe bigints', async () => {
    const database = freshDatabase();
    await migrateSchema(database, { migrationsFolder });
    await database.db
      .insertInto('widget')
      .values({ id: newId(), price_cents: 123456789012, weight: '0.1' })
      .execute();
    const row = await database.db.selectFrom('widget').selectAll().executeTakeFirstOrThrow();
    expect(row.price_cents).toBe(123456789012);
    expect(row.weight).toBe('0.1');
    await expect(sql`select 9007199254740993::bigint as big`.execute(database.db)).rejects.toThrow(
      /MAX_SAFE_INTEGER/,
    );
  });

  it('generates time-ordered UUID v7 ids', () => {
    const ids = Array.from({ length: 100 }, () => newId());
    expect(
      ids.every((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id)),
    ).toBe(true);
    expect([...ids].sort()).toEqual(ids);
  });
});

describe('per-schema migrator', () => {
  it('keeps its migration table and lock inside the schema', async () => {
    const database = freshDatabase();
    const results = await migrateSchema(database, { migrationsFolder });
    expect(results.map((result) => [result.migrationName, result.status])).toEqual([
      ['2026_01_01_000000_create_widget', 'Success'],
      ['2026_01_02_000000_add_name', 'Success'],
    ]);
    const { rows } = await database.pool.query<{ table_name: string }>(
      'select table_name from information_schema.tables where table_schema = $1 order by table_name',
      [database.schema],
    );
    expect(rows.map((row) => row.table_name)).toEqual([
      'kysely_migration',
      'kysely_migration_lock',
      'widget',
    ]);
  });

  it('goes down one step and reports status', async () => {
    const database = freshDatabase();
    await migrateSchema(database, { migrationsFolder });
    await migrateSchema(database, { migrationsFolder, direction: 'down' });
    const status = await migrationStatus(database, { migrationsFolder });
    expect(status.map((info) => [info.name, Boolean(info.executedAt)])).toEqual([
      ['2026_01_01_000000_create_widget', true],
      ['2026_01_02_000000_add_name', false],
    ]);
    await expect(sql`select name from widget`.execute(database.db)).rejects.toThrow(/name/);
  });

  it('is safe to run concurrently (the lock serialises two migrators)', async () => {
    const database = freshDatabase();
    const twin = createDatabase<unknown>({ connectionString, schema: database.schema, max: 1 });
    try {
      await Promise.all([
        migrateSchema(database, { migrationsFolder }),
        migrateSchema(twin, { migrationsFolder }),
      ]);
    } finally {
      await twin.close();
    }
    const status = await migrationStatus(database, { migrationsFolder });
    expect(status.every((info) => info.executedAt)).toBe(true);
  });

  it('migrates a pre-created schema as a role that may not create schemas (the Kubernetes setup)', async () => {
    const admin = freshDatabase();
    const role = admin.schema;
    await sql`create role ${sql.id(role)} login`.execute(admin.db);
    try {
      await sql`create schema ${sql.id(admin.schema)} authorization ${sql.id(role)}`.execute(admin.db);
      const url = new URL(connectionString);
      url.username = role;
      url.password = '';
      const asRole = createDatabase<unknown>({
        connectionString: url.toString(),
        schema: admin.schema,
        max: 1,
      });
      try {
        await expect(sql`create schema ${sql.id(`${role}_other`)}`.execute(asRole.db)).rejects.toThrow(
          /permission denied/,
        );
        await migrateSchema(asRole, { migrationsFolder });
        const status = await migrationStatus(asRole, { migrationsFolder });
        expect(status.every((info) => info.executedAt)).toBe(true);
      } finally {
        await asRole.close();
      }
    } finally {
      await sql`drop schema if exists ${sql.id(admin.schema)} cascade`.execute(admin.db);
      await sql`drop role if exists ${sql.id(role)}`.execute(admin.db);
    }
  });

  it('runs the migrate CLI commands and rejects unknown ones', async () => {
    const schema = `t_db_${randomBytes(5).toString('hex')}`;
    const lines: string[] = [];
    const out = (line: string) => lines.push(line);
    expect(await runMigrateCli({ schema, migrationsFolder, connectionString, argv: ['latest'], out })).toBe(
      0,
    );
    expect(await runMigrateCli({ schema, migrationsFolder, connectionString, argv: ['status'], out })).toBe(
      0,
    );
    expect(await runMigrateCli({ schema, migrationsFolder, connectionString, argv: ['sideways'], out })).toBe(
      2,
    );
    expect(lines.filter((line) => line.startsWith('applied'))).toHaveLength(2);
    expect(lines.at(-1)).toMatch(/usage/);
    const cleanup = createDatabase<unknown>({ connectionString, schema, max: 1 });
    opened.push(cleanup);
  });
});

describe('schema-scoped introspection', () => {
  it('lists only its own schema, so a schema dropped elsewhere meanwhile cannot break a migration', async () => {
    const mine = freshDatabase();
    const other = freshDatabase();
    await migrateSchema(mine, { migrationsFolder });
    await migrateSchema(other, { migrationsFolder });
    const tables = await mine.db.introspection.getTables({ withInternalKyselyTables: true });
    expect(tables.map((table) => `${table.schema}.${table.name}`).sort()).toEqual(
      [
        `${mine.schema}.kysely_migration`,
        `${mine.schema}.kysely_migration_lock`,
        `${mine.schema}.widget`,
      ].sort(),
    );
    const widget = tables.find((table) => table.name === 'widget');
    expect(widget?.columns.map((column) => [column.name, column.dataType, column.isNullable])).toEqual([
      ['id', 'uuid', false],
      ['price_cents', 'int8', false],
      ['weight', 'numeric', true],
      ['name', 'text', true],
    ]);
    // Dropping other schemas while this one migrates down and up again never disturbs it.
    await Promise.all([
      sql`drop schema ${sql.id(other.schema)} cascade`.execute(other.db),
      migrateSchema(mine, { migrationsFolder, direction: 'down' }).then(() =>
        migrateSchema(mine, { migrationsFolder }),
      ),
    ]);
    expect((await migrationStatus(mine, { migrationsFolder })).every((info) => info.executedAt)).toBe(true);
  });
});

describe('executePrepared', () => {
  it('runs a compiled query as one named statement per text, prepared once per connection', async () => {
    const database = createDatabase<{ widget: Widget }>({
      connectionString,
      schema: `t_db_${randomBytes(5).toString('hex')}`,
      max: 1, // one connection, so every call below lands on it
    });
    opened.push(database);
    await migrateSchema(database, { migrationsFolder });
    await database.db
      .insertInto('widget')
      .values([
        { id: newId(), price_cents: 100, weight: null, name: 'a' },
        { id: newId(), price_cents: 250, weight: null, name: 'b' },
      ])
      .execute();
    const byPrice = (min: number) =>
      database.db
        .selectFrom('widget')
        .select(['name', 'price_cents'])
        .where('price_cents', '>=', min)
        .compile();
    expect(await executePrepared(database.pool, byPrice(0))).toHaveLength(2);
    expect(await executePrepared(database.pool, byPrice(200))).toEqual([{ name: 'b', price_cents: 250 }]);
    const { rows } = await database.pool.query<{ name: string; statement: string }>(
      'select name, statement from pg_prepared_statements',
    );
    expect(rows).toEqual([{ name: preparedStatementName(byPrice(0).sql), statement: byPrice(0).sql }]);
    expect(rows[0]?.name).toMatch(/^cw_[0-9a-f]{20}$/);
  });
});
