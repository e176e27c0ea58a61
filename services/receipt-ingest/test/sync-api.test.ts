/**
 * The sync API: queueing a sync of one's own connected account (never two at once), the job and status
 * reads, periodic planning with jitter, and that a second user can neither see nor trigger anything of
 * the first. No browser runs here (test/sync-reference-retailer.test.ts drives Chromium).
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pino from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyncScheduler } from '../src/scraping/sync-scheduler.js';
import { as, connectStore, createHarness, createSyncRetailer, type Harness, testUser } from './harness.js';

const INTERVAL_MS = 3_600_000;
const JITTER = 0.2;
let harness: Harness;

beforeAll(async () => {
  harness = await createHarness('ingest_sync_api', {
    CREDENTIAL_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    // Registers the reference adapter; nothing is fetched in this file.
    REFERENCE_RETAILER_URL: 'http://127.0.0.1:9',
    SYNC_INTERVAL_MS: String(INTERVAL_MS),
    SYNC_INTERVAL_JITTER: String(JITTER),
    SYNC_MAX_ATTEMPTS: '4',
  });
  await createSyncRetailer(harness.app, 'reference-mart', 'Reference Mart');
  await createSyncRetailer(harness.app, 'no-adapter-mart', 'No Adapter Mart');
});
afterAll(() => harness.close());

async function nextSyncAt(userId: string): Promise<Date | null> {
  const { rows } = await sql<{ next_sync_at: Date | null }>`
    select next_sync_at from store_account where user_id = ${userId}`.execute(harness.database.db);
  return rows[0]?.next_sync_at ?? null;
}

describe('POST /scraping/{slug}/sync', () => {
  it('queues a job for the caller and hands back the same job while it is queued', async () => {
    const user = testUser();
    await connectStore(harness.app, user, 'reference-mart', { username: 'u', password: 'p' });
    const before = Date.now();
    const first = await request(harness.app).post('/scraping/reference-mart/sync').set(as(user)).expect(202);
    expect(first.body).toMatchObject({
      storeSlug: 'reference-mart',
      trigger: 'manual',
      state: 'queued',
      attempt: 0,
      maxAttempts: 4,
      errorCode: null,
      importedCount: 0,
    });
    expect(first.headers.location).toBe(`/scraping/jobs/${first.body.id}`);
    const again = await request(harness.app).post('/scraping/reference-mart/sync').set(as(user)).expect(200);
    expect(again.body.id).toBe(first.body.id);
    const { rows } = await sql<{ count: number }>`
      select count(*)::int as count from sync_job where user_id = ${user.id}`.execute(harness.database.db);
    expect(rows[0]?.count).toBe(1);

    const job = await request(harness.app).get(`/scraping/jobs/${first.body.id}`).set(as(user)).expect(200);
    expect(job.body).toEqual(first.body);
    // A manual sync counts as this period's: the next periodic one is an interval (± jitter) away.
    const next = (await nextSyncAt(user.id))?.getTime() ?? 0;
    expect(next).toBeGreaterThanOrEqual(before + INTERVAL_MS * (1 - JITTER) - 1_000);
    expect(next).toBeLessThanOrEqual(Date.now() + INTERVAL_MS * (1 + JITTER) + 1_000);

    const status = await request(harness.app).get('/scraping/status').set(as(user)).expect(200);
    expect(status.body).toEqual({
      items: [
        {
          storeSlug: 'reference-mart',
          storeName: 'Reference Mart',
          accountStatus: 'connected',
          state: 'queued',
          jobId: first.body.id,
          lastRunAt: null,
          lastSuccessAt: null,
          nextRunAt: first.body.runAfter,
          errorCode: null,
          errorMessage: null,
          importedCount: 0,
          alreadyKnownCount: 0,
        },
      ],
      nextCursor: null,
    });
  });

  it('answers 404 for unknown stores and stores the caller has not connected', async () => {
    const user = testUser();
    await request(harness.app).post('/scraping/nowhere/sync').set(as(user)).expect(404);
    const notConnected = await request(harness.app)
      .post('/scraping/reference-mart/sync')
      .set(as(user))
      .expect(404);
    expect(notConnected.body.error.code).toBe('NOT_FOUND');
    await request(harness.app).post('/scraping/Bad_Slug/sync').set(as(user)).expect(400);
    await request(harness.app).post('/scraping/reference-mart/sync').expect(401);
  });

  it('refuses stores without an adapter (422) and accounts that must be re-connected (409)', async () => {
    const user = testUser();
    await connectStore(harness.app, user, 'no-adapter-mart', { username: 'u', password: 'p' });
    const refused = await request(harness.app)
      .post('/scraping/no-adapter-mart/sync')
      .set(as(user))
      .expect(422);
    expect(refused.body.error.code).toBe('UNPROCESSABLE');

    await connectStore(harness.app, user, 'reference-mart', { username: 'u', password: 'p' });
    await sql`update store_account set status = 'reconnect_required' where user_id = ${user.id}`.execute(
      harness.database.db,
    );
    const conflict = await request(harness.app)
      .post('/scraping/reference-mart/sync')
      .set(as(user))
      .expect(409);
    expect(conflict.body.error.code).toBe('CONFLICT');
    // Re-connecting clears it.
    await connectStore(harness.app, user, 'reference-mart', { username: 'u', password: 'p2' });
    await request(harness.app).post('/scraping/reference-mart/sync').set(as(user)).expect(202);
    const { rows } = await sql<{ count: number }>`
      select count(*)::int as count from sync_job where user_id = ${user.id}`.execute(harness.database.db);
    expect(rows[0]?.count).toBe(1);
  });

  it("never shows or triggers one user's syncs for another", async () => {
    const owner = testUser();
    const other = testUser();
    await connectStore(harness.app, owner, 'reference-mart', { username: 'o', password: 'p' });
    const job = await request(harness.app).post('/scraping/reference-mart/sync').set(as(owner)).expect(202);

    await request(harness.app).get(`/scraping/jobs/${job.body.id}`).set(as(other)).expect(404);
    await request(harness.app).post('/scraping/reference-mart/sync').set(as(other)).expect(404);
    const theirs = await request(harness.app).get('/scraping/status').set(as(other)).expect(200);
    expect(theirs.body).toEqual({ items: [], nextCursor: null });
    await request(harness.app).get('/scraping/jobs/not-a-uuid').set(as(owner)).expect(400);
    // The owner's job is untouched.
    const mine = await request(harness.app).get(`/scraping/jobs/${job.body.id}`).set(as(owner)).expect(200);
    expect(mine.body.state).toBe('queued');
  });
});

describe('GET /scraping/status', () => {
  it('pages through the accounts by store slug', async () => {
    const user = testUser();
    await connectStore(harness.app, user, 'reference-mart', { username: 'u', password: 'p' });
    await connectStore(harness.app, user, 'no-adapter-mart', { username: 'u', password: 'p' });
    const first = await request(harness.app).get('/scraping/status?limit=1').set(as(user)).expect(200);
    expect(first.body.items.map((item: { storeSlug: string }) => item.storeSlug)).toEqual([
      'no-adapter-mart',
    ]);
    expect(first.body.items[0]).toMatchObject({ state: null, jobId: null, accountStatus: 'connected' });
    const second = await request(harness.app)
      .get(`/scraping/status?limit=1&cursor=${first.body.nextCursor}`)
      .set(as(user))
      .expect(200);
    expect(second.body.items.map((item: { storeSlug: string }) => item.storeSlug)).toEqual([
      'reference-mart',
    ]);
    expect(second.body.nextCursor).toBeNull();
    await request(harness.app).get('/scraping/status?cursor=garbage').set(as(user)).expect(400);
  });
});

describe('periodic syncs', () => {
  it('queues one scheduled job per due account with an adapter, then plans the next with jitter', async () => {
    const user = testUser();
    await connectStore(harness.app, user, 'reference-mart', { username: 'u', password: 'p' });
    await connectStore(harness.app, user, 'no-adapter-mart', { username: 'u', password: 'p' });
    await sql`update store_account set next_sync_at = now() - interval '1 minute' where user_id = ${user.id}`.execute(
      harness.database.db,
    );
    const scheduler = new SyncScheduler({
      database: harness.database,
      runSync: () => Promise.reject(new Error('not run in this test')),
      logger: pino({ level: 'silent' }),
      syncedSlugs: ['reference-mart'],
      concurrency: 1,
      retailerConcurrency: 1,
      retailerDelayMs: 0,
      intervalMs: INTERVAL_MS,
      intervalJitter: JITTER,
      maxAttempts: 3,
      retry: { baseMs: 1_000, maxMs: 10_000 },
      leaseMs: 60_000,
    });
    const before = Date.now();
    await scheduler.enqueueDue();
    await scheduler.enqueueDue(); // not due any more: nothing new
    const { rows } = await sql<{ slug: string; trigger: string; state: string; next_sync_at: Date }>`
      select r.slug, j.trigger, j.state, a.next_sync_at
      from sync_job j join retailer r on r.id = j.retailer_id join store_account a on a.id = j.store_account_id
      where j.user_id = ${user.id}`.execute(harness.database.db);
    expect(rows.map(({ slug, trigger, state }) => ({ slug, trigger, state }))).toEqual([
      { slug: 'reference-mart', trigger: 'scheduled', state: 'queued' },
    ]);
    const next = rows[0]?.next_sync_at.getTime() ?? 0;
    expect(next).toBeGreaterThanOrEqual(before + INTERVAL_MS * (1 - JITTER) - 1_000);
    expect(next).toBeLessThanOrEqual(Date.now() + INTERVAL_MS * (1 + JITTER) + 1_000);
  });
});
