/** Builds the app on an isolated schema, plus small factories for retailers and receipts. */
import { createAppFromEnv } from '@cartwatch/service-runtime';
import {
  createTestDatabase,
  serviceHeaders,
  TEST_SERVICE_KEY,
  type TestDatabase,
  type TestUser,
  testAdmin,
  testEnv,
  testUser,
} from '@cartwatch/testing';
import type { Express } from 'express';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import request from 'supertest';
import type { DB } from '../src/db/schema.js';
import { migrationsFolder, serviceDefinition } from '../src/service.js';

export interface Harness {
  app: Express;
  database: TestDatabase<DB>;
  schema: string;
  close(): Promise<void>;
}

export async function createHarness(
  prefix: string,
  env: Record<string, string> = {},
  options: { logger?: Logger } = {},
): Promise<Harness> {
  const database = await createTestDatabase<DB>({ prefix, migrationsFolder });
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(database.db);
  const schema = rows[0]?.schema as string;
  const { databaseUrl, natsUrl } = testEnv();
  const built = createAppFromEnv(
    serviceDefinition,
    {
      SERVICE_KEY: TEST_SERVICE_KEY,
      DATABASE_URL: databaseUrl,
      NATS_URL: natsUrl,
      DB_SCHEMA: schema,
      LOG_LEVEL: 'silent',
      ...env,
    },
    options,
  );
  return {
    app: built.app,
    database,
    schema,
    async close() {
      await built.close();
      await database.drop();
    },
  };
}

export const admin = testAdmin();
export const as = (user: TestUser) => serviceHeaders(TEST_SERVICE_KEY, user);
export { testUser };

export async function createRetailer(app: Express, slug: string, name = slug): Promise<void> {
  await request(app)
    .post('/stores')
    .set(as(admin))
    .send({
      slug,
      name,
      website: `https://${slug}.example.test`,
      ingestionMethods: ['json', 'csv', 'text', 'email'],
    })
    .expect(201);
}

/** A retailer whose accounts can be connected and synced (ingestion method `sync`). */
export async function createSyncRetailer(app: Express, slug: string, name = slug): Promise<void> {
  await request(app)
    .post('/stores')
    .set(as(admin))
    .send({ slug, name, ingestionMethods: ['sync', 'json'] })
    .expect(201);
}

export async function connectStore(
  app: Express,
  user: { id: string },
  slug: string,
  credentials: { username: string; password: string },
): Promise<void> {
  await request(app).post(`/me/stores/${slug}/connect`).set(as(user)).send(credentials).expect(204);
}
