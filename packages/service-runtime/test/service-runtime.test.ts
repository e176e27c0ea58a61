import { fileURLToPath } from 'node:url';
import { TEST_SERVICE_KEY, testEnv, testSchemaName } from '@cartwatch/testing';
import { sql } from 'kysely';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createAppFromEnv, createServiceDatabase } from '../src/app-context.js';
import { defineService } from '../src/service-definition.js';
import { serviceEnvSchema } from '../src/service-env.js';
import { createStandardApp } from '../src/standard-app.js';
import { runServiceMigrations, streamSettings } from '../src/start-service.js';

const envSchema = serviceEnvSchema('coupon', {});
const definition = defineService({
  name: 'coupon',
  envSchema,
  migrationsFolder: fileURLToPath(new URL('./fixtures/migrations', import.meta.url)),
  createApp: (context) =>
    createStandardApp('coupon', context, (app) => {
      app.get('/whoami', (_req, res) => {
        res.json({ schema: context.database.schema });
      });
    }),
});

function baseEnv(overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { databaseUrl, natsUrl } = testEnv();
  return {
    SERVICE_KEY: TEST_SERVICE_KEY,
    DATABASE_URL: databaseUrl,
    NATS_URL: natsUrl,
    LOG_LEVEL: 'silent',
    ...overrides,
  };
}

describe('serviceEnvSchema', () => {
  it("defaults PORT and DB_SCHEMA to the registry's port and schema", () => {
    const config = envSchema.parse(baseEnv());
    expect(config.PORT).toBe(8084);
    expect(config.DB_SCHEMA).toBe('coupon');
  });

  it('rejects a schema that is not a plain identifier', () => {
    expect(envSchema.safeParse(baseEnv({ DB_SCHEMA: 'coupon; drop table x' })).success).toBe(false);
  });
});

describe('streamSettings', () => {
  it('gives the event stream the replicas, size and age of the EVENTS_STREAM_* configuration', () => {
    const config = envSchema.parse(
      baseEnv({
        EVENTS_STREAM_REPLICAS: '3',
        EVENTS_STREAM_MAX_BYTES: '1073741824',
        EVENTS_STREAM_MAX_AGE_MS: '604800000',
      }),
    );
    expect(streamSettings(config)).toEqual({
      name: 'CARTWATCH',
      subjectPrefix: 'cartwatch',
      replicas: 3,
      maxBytes: 1073741824,
      maxAgeMs: 604800000,
    });
    expect(streamSettings(envSchema.parse(baseEnv()))).toMatchObject({
      replicas: 1,
      maxBytes: -1,
      maxAgeMs: 0,
    });
  });

  it('refuses a size of 0, more than five replicas and a negative age', () => {
    for (const [variable, value] of [
      ['EVENTS_STREAM_MAX_BYTES', '0'],
      ['EVENTS_STREAM_REPLICAS', '7'],
      ['EVENTS_STREAM_MAX_AGE_MS', '-1'],
    ] as const) {
      const result = envSchema.safeParse(baseEnv({ [variable]: value }));
      expect(result.success, variable).toBe(false);
      expect(
        result.error?.issues.map((issue) => issue.path.join('.')),
        variable,
      ).toEqual([variable]);
    }
  });
});

describe('createAppFromEnv', () => {
  it('binds the app to DB_SCHEMA and reports Postgres in /ready of the management app only', async () => {
    const schema = testSchemaName('rt');
    const { app, managementApp, close } = createAppFromEnv(definition, baseEnv({ DB_SCHEMA: schema }));
    try {
      const who = await request(app).get('/whoami').set('X-Service-Key', TEST_SERVICE_KEY);
      expect(who.body).toEqual({ schema });
      const ready = await request(managementApp).get('/ready');
      expect(ready.status).toBe(200);
      expect(ready.body.checks).toEqual({ postgres: 'ok' });
      expect((await request(app).get('/ready').set('X-Service-Key', TEST_SERVICE_KEY)).status).toBe(404);
    } finally {
      await close();
    }
  });

  it('answers 503 from /ready naming postgres when the database is unreachable', async () => {
    const { managementApp, close } = createAppFromEnv(
      definition,
      baseEnv({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/postgres' }),
    );
    try {
      const ready = await request(managementApp).get('/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.error.code).toBe('UPSTREAM_UNAVAILABLE');
      expect(ready.body.error.details.failing).toEqual(['postgres']);
    } finally {
      await close();
    }
  });
});

describe('runServiceMigrations', () => {
  it('migrates the schema named by DB_SCHEMA and refuses a bad DATABASE_URL', async () => {
    const schema = testSchemaName('rt');
    const env = baseEnv({ DB_SCHEMA: schema });
    const out = () => {};
    expect(
      await runServiceMigrations(definition, {
        env: { ...env, DATABASE_URL: 'nope' },
        argv: ['latest'],
        out,
      }),
    ).toBe(2);
    expect(await runServiceMigrations(definition, { env, argv: ['sideways'], out })).toBe(2);
    expect(await runServiceMigrations(definition, { env, argv: ['latest'], out })).toBe(0);
    const database = createServiceDatabase(definition, envSchema.parse(env));
    try {
      const { rows } = await sql<{ count: number }>`select count(*) from note`.execute(database.db);
      expect(rows[0]?.count).toBe(0);
    } finally {
      await sql`drop schema ${sql.id(schema)} cascade`.execute(database.db);
      await database.close();
    }
  });
});
