/**
 * The sync scheduler's leasing against real Postgres, with a stand-in for the browser run: two workers
 * never run the same job, a job locked by another claimer is skipped, an expired lease is taken over
 * (and the old holder can no longer end the job), per-retailer limits hold across workers, and failures
 * end or re-queue jobs by their code.
 */
import { randomBytes } from 'node:crypto';
import { newId, withTransaction } from '@cartwatch/db';
import { sql } from 'kysely';
import pino from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyncError } from '../src/scraping/sync-error.js';
import * as jobs from '../src/scraping/sync-jobs.repository.js';
import type { SyncResult } from '../src/scraping/sync-runner.js';
import { SyncScheduler, type SyncSchedulerOptions } from '../src/scraping/sync-scheduler.js';
import { as, connectStore, createHarness, createSyncRetailer, type Harness, testUser } from './harness.js';

let harness: Harness;
const RETAILERS = ['lease-a', 'lease-b', 'lease-c'];

beforeAll(async () => {
  harness = await createHarness('ingest_sync_sched', {
    CREDENTIAL_KEYS: `k1:${randomBytes(32).toString('base64')}`,
  });
  for (const slug of RETAILERS) await createSyncRetailer(harness.app, slug);
});
afterAll(() => harness.close());

const okResult: SyncResult = {
  importedCount: 2,
  alreadyKnownCount: 1,
  loggedIn: false,
  cursor: 'cursor-1',
  session: { ciphertext: Buffer.from('sealed'), keyId: 'k1', expiresAt: new Date(Date.now() + 3_600_000) },
};

function scheduler(overrides: Partial<SyncSchedulerOptions> = {}): SyncScheduler {
  return new SyncScheduler({
    database: harness.database,
    runSync: async () => okResult,
    logger: pino({ level: 'silent' }),
    syncedSlugs: [],
    concurrency: 10,
    retailerConcurrency: 10,
    retailerDelayMs: 0,
    intervalMs: 3_600_000,
    intervalJitter: 0,
    maxAttempts: 3,
    retry: { baseMs: 10_000, maxMs: 60_000 },
    leaseMs: 60_000,
    ...overrides,
  });
}

/** A connected account at `slug` for a new user, with a queued job; returns the job id and user. */
async function queuedJob(slug: string): Promise<{ jobId: string; userId: string }> {
  const user = testUser();
  await connectStore(harness.app, user, slug, { username: 'u', password: 'p' });
  const account = await harness.database.db
    .selectFrom('store_account')
    .select(['id', 'retailer_id'])
    .where('user_id', '=', user.id)
    .executeTakeFirstOrThrow();
  const job = await withTransaction(harness.database.db, (trx) =>
    jobs.enqueueJob(
      trx,
      {
        id: newId(),
        store_account_id: account.id,
        user_id: user.id,
        retailer_id: account.retailer_id,
        trigger: 'manual',
        max_attempts: 3,
      },
      { intervalMs: 3_600_000, jitter: 0 },
    ),
  );
  if (!job) throw new Error('no job queued');
  return { jobId: job.id, userId: user.id };
}

async function jobRow(id: string) {
  return harness.database.db
    .selectFrom('sync_job')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

/** Leaves no runnable job behind for the next test. */
async function clearJobs(): Promise<void> {
  await sql`delete from sync_job`.execute(harness.database.db);
}

describe('leasing sync jobs', () => {
  it('never gives the same job to two workers claiming at once', async () => {
    await clearJobs();
    const queued: string[] = [];
    for (let index = 0; index < 9; index++)
      queued.push((await queuedJob(RETAILERS[index % 3] as string)).jobId);
    const runs: Array<{ owner: string; accountId: string }> = [];
    const workers = ['worker-1', 'worker-2'].map((owner) =>
      scheduler({
        owner,
        runSync: async (account) => {
          runs.push({ owner, accountId: account.id });
          await new Promise((resolve) => setTimeout(resolve, 20));
          return okResult;
        },
      }),
    );
    const claimed = await Promise.all(workers.map((worker) => worker.runOnce()));
    const all = claimed.flat();
    expect(new Set(all).size).toBe(all.length); // disjoint
    expect(all.sort()).toEqual([...queued].sort());
    expect(new Set(runs.map((run) => run.accountId)).size).toBe(9);
    for (const id of queued) expect((await jobRow(id)).state).toBe('succeeded');
  });

  it('skips a job another claimer holds locked and takes it once the lock is gone', async () => {
    await clearJobs();
    const { jobId: held } = await queuedJob('lease-a');
    const { jobId: free } = await queuedJob('lease-b');
    const worker = scheduler();
    await harness.database.db.transaction().execute(async (trx) => {
      await sql`select id from sync_job where id = ${held} for update`.execute(trx);
      expect(await worker.runOnce()).toEqual([free]);
    });
    expect(await worker.runOnce()).toEqual([held]);
  });

  it('takes over a job whose lease expired; the old holder can no longer end it', async () => {
    await clearJobs();
    const { jobId } = await queuedJob('lease-a');
    const { jobId: alive } = await queuedJob('lease-b');
    await sql`update sync_job set state = 'running', attempt = 1, lease_owner = 'crashed-worker',
      lease_expires_at = now() - interval '1 second', started_at = now() - interval '10 minutes'
      where id = ${jobId}`.execute(harness.database.db);
    await sql`update sync_job set state = 'running', attempt = 1, lease_owner = 'busy-worker',
      lease_expires_at = now() + interval '1 minute', started_at = now() where id = ${alive}`.execute(
      harness.database.db,
    );
    const worker = scheduler({ owner: 'rescuer' });
    expect(await worker.runOnce()).toEqual([jobId]); // the live lease is left alone
    expect(await jobRow(jobId)).toMatchObject({ state: 'succeeded', attempt: 2, lease_owner: null });
    expect(await jobRow(alive)).toMatchObject({ state: 'running', lease_owner: 'busy-worker' });

    const late = await withTransaction(harness.database.db, (trx) =>
      jobs.finishRun(trx, jobId, 'crashed-worker', {
        state: 'failed',
        errorCode: 'NETWORK',
        errorMessage: 'late',
        importedCount: 0,
        alreadyKnownCount: 0,
      }),
    );
    expect(late).toBeUndefined();
    expect((await jobRow(jobId)).state).toBe('succeeded');
    expect(await jobs.renewLease(harness.database.db, alive, 'someone-else', 60_000)).toBe(false);
    expect(await jobs.renewLease(harness.database.db, alive, 'busy-worker', 60_000)).toBe(true);
  });

  it('keeps to the per-retailer concurrency limit across workers', async () => {
    await clearJobs();
    const first = await queuedJob('lease-c');
    const second = await queuedJob('lease-c');
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started: () => void = () => undefined;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const slow = scheduler({
      owner: 'slow',
      retailerConcurrency: 1,
      runSync: async () => {
        started();
        await gate;
        return okResult;
      },
    });
    const slowRound = slow.runOnce();
    await running;
    const other = scheduler({ owner: 'other', retailerConcurrency: 1 });
    expect(await other.runOnce()).toEqual([]); // the retailer's one slot is taken
    release();
    expect(await slowRound).toEqual([first.jobId]);
    expect(await other.runOnce()).toEqual([second.jobId]);
  });

  it('spaces job starts at one retailer by the politeness delay', async () => {
    await clearJobs();
    const first = await queuedJob('lease-a');
    const second = await queuedJob('lease-a');
    const worker = scheduler({ retailerDelayMs: 60_000 });
    expect(await worker.runOnce()).toEqual([first.jobId]);
    expect(await worker.runOnce()).toEqual([]); // nothing runs there, but the last start is too recent
    await sql`update sync_job set started_at = now() - interval '61 seconds' where id = ${first.jobId}`.execute(
      harness.database.db,
    );
    expect(await worker.runOnce()).toEqual([second.jobId]);
  });
});

describe('ending sync jobs', () => {
  it('retries NETWORK failures with growing delays up to the attempt limit', async () => {
    await clearJobs();
    const { jobId, userId } = await queuedJob('lease-a');
    const worker = scheduler({
      random: () => 1,
      runSync: async () => {
        throw new SyncError('NETWORK', 'connection refused');
      },
    });
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 2; attempt++) {
      expect(await worker.runOnce()).toEqual([jobId]);
      const row = await jobRow(jobId);
      expect(row).toMatchObject({ state: 'queued', attempt, error_code: 'NETWORK', finished_at: null });
      delays.push(row.run_after.getTime() - (row.started_at as Date).getTime());
      await sql`update sync_job set run_after = now() where id = ${jobId}`.execute(harness.database.db);
    }
    expect(delays[0]).toBeGreaterThan(9_000);
    expect(delays[0]).toBeLessThan(11_000);
    expect(delays[1]).toBeGreaterThan(19_000);
    expect(delays[1]).toBeLessThan(21_000);
    expect(await worker.runOnce()).toEqual([jobId]);
    expect(await jobRow(jobId)).toMatchObject({ state: 'failed', attempt: 3, error_code: 'NETWORK' });
    const status = await request(harness.app)
      .get('/scraping/status')
      .set(as({ id: userId }))
      .expect(200);
    expect(status.body.items[0]).toMatchObject({
      state: 'failed',
      errorCode: 'NETWORK',
      accountStatus: 'error',
    });
  });

  it('does not retry LOGIN_FAILED or PARSE_FAILED; LOGIN_FAILED stops periodic syncs', async () => {
    await clearJobs();
    const login = await queuedJob('lease-a');
    const parse = await queuedJob('lease-b');
    const worker = scheduler({
      syncedSlugs: RETAILERS,
      runSync: async (account) => {
        throw account.user_id === login.userId
          ? new SyncError('LOGIN_FAILED', 'refused')
          : new SyncError('PARSE_FAILED', 'no table');
      },
    });
    expect((await worker.runOnce()).sort()).toEqual([login.jobId, parse.jobId].sort());
    expect(await jobRow(login.jobId)).toMatchObject({
      state: 'failed',
      attempt: 1,
      error_code: 'LOGIN_FAILED',
    });
    expect(await jobRow(parse.jobId)).toMatchObject({
      state: 'failed',
      attempt: 1,
      error_code: 'PARSE_FAILED',
    });

    const account = await harness.database.db
      .selectFrom('store_account')
      .select(['status', 'next_sync_at'])
      .where('user_id', '=', login.userId)
      .executeTakeFirstOrThrow();
    expect(account).toEqual({ status: 'reconnect_required', next_sync_at: null });

    // Even when both periodic syncs come due, only the account with working credentials gets a job.
    await sql`update store_account set next_sync_at = now() - interval '1 second'
      where user_id in (${login.userId}, ${parse.userId})`.execute(harness.database.db);
    await worker.enqueueDue();
    const { rows } = await sql<{ user_id: string }>`
      select user_id from sync_job where state = 'queued'`.execute(harness.database.db);
    expect(rows.map((row) => row.user_id)).toEqual([parse.userId]);
  });

  it('records the cursor, session and counts of a successful run', async () => {
    await clearJobs();
    const { jobId, userId } = await queuedJob('lease-b');
    await scheduler().runOnce();
    expect(await jobRow(jobId)).toMatchObject({
      state: 'succeeded',
      imported_count: 2,
      already_known_count: 1,
    });
    const account = await harness.database.db
      .selectFrom('store_account')
      .selectAll()
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow();
    expect(account).toMatchObject({ status: 'connected', sync_cursor: 'cursor-1', last_error_code: null });
    expect(account.last_sync_at).not.toBeNull();
    expect(account.session_ciphertext?.toString()).toBe('sealed');
  });
});
