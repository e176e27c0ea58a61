/** The migration that keys scans by pairing session keeps the scans recorded under the old per-cart key. */
import { createSchemaMigrator, newId } from '@cartwatch/db';
import { createTestDatabase } from '@cartwatch/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../src/db/schema.js';
import { migrationsFolder } from '../src/service.js';
import type { TestDatabase } from './harness.js';

const before = '2026_11_22_030000_device_scans';
const migration = '2026_12_07_000000_scan_idempotency_per_session';

let database: TestDatabase<DB>;
const deviceId = newId();
const [firstSession, secondSession] = [newId(), newId()];

async function migrateTo(name: string): Promise<void> {
  const result = await createSchemaMigrator(database, migrationsFolder).migrateTo(name);
  if (result.error) throw result.error;
}

async function insertSession(id: string, endedAt: string | null): Promise<void> {
  await sql`insert into pairing_session (id, device_id, user_id, location_id, ended_at, end_reason)
    values (${id}, ${deviceId}, ${newId()}, ${newId()}, ${endedAt}, ${endedAt && 'user'})`.execute(
    database.db,
  );
}

async function insertScan(sessionId: string, scanId: string, createdAt: string): Promise<void> {
  await sql`insert into device_scan (device_id, scan_id, session_id, user_id, barcode, action, quantity, result, created_at)
    values (${deviceId}, ${scanId}, ${sessionId}, ${newId()}, '0001234567890', 'add', 1, '{}', ${createdAt})`.execute(
    database.db,
  );
}

const scanKeys = async () =>
  (
    await sql<{ session_id: string; scan_id: string }>`
      select session_id, scan_id from device_scan order by created_at, scan_id`.execute(database.db)
  ).rows.map((row) => [row.session_id, row.scan_id]);

beforeAll(async () => {
  database = await createTestDatabase<DB>({ prefix: 'cart_device_scan_key' });
  await migrateTo(before);
  await sql`insert into device (id, location_id, name) values (${deviceId}, ${newId()}, 'Cart')`.execute(
    database.db,
  );
  await insertSession(firstSession, '2026-12-01T10:00:00Z');
  await insertScan(firstSession, 's1', '2026-12-01T09:00:00Z');
  await insertScan(firstSession, 's2', '2026-12-01T09:01:00Z');
});
afterAll(() => database.drop());

describe(`migration ${migration}`, () => {
  it('keeps the scans recorded per cart and lets a later session of the cart reuse their ids', async () => {
    await migrateTo(migration);
    expect(await scanKeys()).toEqual([
      [firstSession, 's1'],
      [firstSession, 's2'],
    ]);
    await insertSession(secondSession, null);
    await insertScan(secondSession, 's1', '2026-12-02T09:00:00Z');
    await expect(insertScan(secondSession, 's1', '2026-12-02T09:05:00Z')).rejects.toThrow(/device_scan_pkey/);
  });

  it('goes down to the per-cart key keeping the latest scan of each id', async () => {
    await migrateTo(before);
    expect(await scanKeys()).toEqual([
      [firstSession, 's2'],
      [secondSession, 's1'],
    ]);
  });
});
