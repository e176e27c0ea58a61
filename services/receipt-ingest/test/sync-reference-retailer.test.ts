/**
 * Store sync end to end: the reference retailer site (@cartwatch/local-stack, the demo store of `pnpm start`) driven by
 * Debian's Chromium through playwright-core, jobs run by the scheduler, receipts recorded by the import
 * path. Needs /usr/bin/chromium (or CHROMIUM_PATH): without it this file fails, it never skips.
 */
import { randomBytes } from 'node:crypto';
import { accessSync, constants } from 'node:fs';
import { Writable } from 'node:stream';
import {
  type FixtureOrder,
  type ReferenceRetailerSite,
  startReferenceRetailer,
} from '@cartwatch/local-stack';
import { createLogger } from '@cartwatch/service-kit';
import { sql } from 'kysely';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CredentialCipher } from '../src/accounts/credential-cipher.js';
import { AdapterRegistry } from '../src/scraping/adapter-registry.js';
import { ReferenceRetailerAdapter } from '../src/scraping/adapters/reference-retailer.adapter.js';
import { BrowserHost } from '../src/scraping/browser-host.js';
import { SyncRunner, sessionContext } from '../src/scraping/sync-runner.js';
import { SyncScheduler } from '../src/scraping/sync-scheduler.js';
import { as, connectStore, createHarness, createSyncRetailer, type Harness, testUser } from './harness.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const KEY = `k1:${randomBytes(32).toString('base64')}`;
const SLUG = 'reference-mart';
const RETRY_BASE_MS = 60_000;
const PASSWORDS = {
  alice: 'alice-S3cret!pass',
  carol: 'carol-Right#pass',
  carolWrong: 'carol-Wrong#guess',
  dave: 'dave-Pa55word%',
  erin: 'erin-Pa55word^',
};

function order(n: number, day: number, lines: FixtureOrder['lines']): FixtureOrder {
  return { id: `RR-${1000 + n}`, placedAt: `2026-10-${String(day).padStart(2, '0')}T15:30:00.000Z`, lines };
}
const milk = {
  name: 'Whole Milk 1 gal',
  gtin: '011110038364',
  quantity: '1',
  unitPriceCents: 399,
  paidCents: 399,
};
const apples = {
  name: 'Honeycrisp Apples',
  quantity: '1.254',
  unit: 'kg',
  unitPriceCents: 499,
  paidCents: 626,
};
const cereal = {
  name: 'Oat Cereal 18 oz',
  quantity: '2',
  unitPriceCents: 350,
  paidCents: 600,
  regularPriceCents: 350,
};
const aliceOrders = [
  order(1, 1, [milk]),
  order(2, 2, [milk, apples]),
  order(3, 3, [cereal]),
  order(4, 4, [apples, cereal, milk]),
  order(5, 5, [milk]),
];

const logLines: string[] = [];
let site: ReferenceRetailerSite;
let harness: Harness;
let browser: BrowserHost;
let scheduler: SyncScheduler;

beforeAll(async () => {
  try {
    accessSync(CHROMIUM, constants.X_OK);
  } catch {
    throw new Error(`Chromium is required at ${CHROMIUM} (Debian: apt-get install chromium); not skipping`);
  }
  site = await startReferenceRetailer({
    accounts: [
      { username: 'alice@example.test', password: PASSWORDS.alice, orders: aliceOrders },
      { username: 'carol@example.test', password: PASSWORDS.carol, orders: [order(9, 9, [milk])] },
      { username: 'dave@example.test', password: PASSWORDS.dave, orders: [order(11, 11, [milk])] },
      { username: 'erin@example.test', password: PASSWORDS.erin, orders: [order(12, 12, [cereal])] },
    ],
  });
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logLines.push(chunk.toString('utf8'));
      callback();
    },
  });
  const logger = createLogger({ service: 'receipt-ingest', level: 'trace', destination });
  harness = await createHarness(
    'ingest_sync_e2e',
    { CREDENTIAL_KEYS: KEY, REFERENCE_RETAILER_URL: site.url, LOG_LEVEL: 'trace' },
    { logger },
  );
  await createSyncRetailer(harness.app, SLUG, 'Reference Mart');
  browser = new BrowserHost(CHROMIUM);
  const runner = new SyncRunner({
    database: harness.database,
    cipher: new CredentialCipher(KEY),
    adapters: new AdapterRegistry([new ReferenceRetailerAdapter(site.url)]),
    browser,
    logger,
    requestDelayMs: 0,
    navigationTimeoutMs: 15_000,
    sessionMaxAgeMs: 3_600_000,
  });
  scheduler = new SyncScheduler({
    database: harness.database,
    runSync: (account) => runner.run(account),
    logger,
    syncedSlugs: [SLUG],
    concurrency: 1,
    retailerConcurrency: 1,
    retailerDelayMs: 0,
    intervalMs: 3_600_000,
    intervalJitter: 0.1,
    maxAttempts: 3,
    retry: { baseMs: RETRY_BASE_MS, maxMs: 600_000 },
    leaseMs: 60_000,
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await harness?.close();
});

/** Queues a sync through the API, lets the scheduler run it, and returns the finished (or re-queued) job. */
async function syncNow(user: { id: string }) {
  const queued = await request(harness.app).post(`/scraping/${SLUG}/sync`).set(as(user)).expect(202);
  expect(await scheduler.runOnce()).toContain(queued.body.id);
  return (await request(harness.app).get(`/scraping/jobs/${queued.body.id}`).set(as(user)).expect(200)).body;
}

async function purchasesOf(user: { id: string }) {
  const response = await request(harness.app).get('/purchases?limit=100').set(as(user)).expect(200);
  return response.body.items as Array<{
    retailerReceiptId: string;
    totalCents: number;
    source: string;
    id: string;
  }>;
}

async function accountRow(userId: string) {
  const { rows } = await sql<{
    status: string;
    credential_ciphertext: Buffer;
    session_ciphertext: Buffer | null;
    session_key_id: string | null;
    next_sync_at: Date | null;
  }>`select status, credential_ciphertext, session_ciphertext, session_key_id, next_sync_at
     from store_account where user_id = ${userId}`.execute(harness.database.db);
  return rows[0];
}

const alice = testUser();

describe('syncing the reference retailer in headless Chromium', { timeout: 120_000 }, () => {
  it("syncs alice's account: every order, then only new ones; a forgotten and an expired session; all sealed", async () => {
    // One account on the reference site across syncs (its logins count up): one test, its steps in order.
    // imports every order on the first sync and only new ones on the second, logging in once
    {
      await connectStore(harness.app, alice, SLUG, {
        username: 'alice@example.test',
        password: PASSWORDS.alice,
      });
      const first = await syncNow(alice);
      expect(first).toMatchObject({ state: 'succeeded', attempt: 1, importedCount: 5, alreadyKnownCount: 0 });
      expect(site.loginsOf('alice@example.test')).toBe(1);
      // Two history pages (3 + 2 orders) were read.
      expect(site.requests).toContain('GET /account/orders?page=2');

      const purchases = await purchasesOf(alice);
      expect(purchases.map((purchase) => purchase.retailerReceiptId).sort()).toEqual([
        'RR-1001',
        'RR-1002',
        'RR-1003',
        'RR-1004',
        'RR-1005',
      ]);
      expect(purchases.every((purchase) => purchase.source === 'sync')).toBe(true);
      const rr4 = purchases.find((purchase) => purchase.retailerReceiptId === 'RR-1004');
      expect(rr4?.totalCents).toBe(626 + 600 + 399);
      const detail = await request(harness.app).get(`/purchases/${rr4?.id}`).set(as(alice)).expect(200);
      expect(
        detail.body.items.map((item: Record<string, unknown>) => [
          item.name,
          item.quantity,
          item.unit,
          item.unitPriceCents,
          item.paidCents,
          item.discountCents,
        ]),
      ).toEqual([
        ['Honeycrisp Apples', 1.254, 'kg', 499, 626, 0],
        ['Oat Cereal 18 oz', 2, 'ea', 350, 600, 100],
        ['Whole Milk 1 gal', 1, 'ea', 399, 399, 0],
      ]);
      expect(detail.body.purchasedAt).toBe('2026-10-04T15:30:00.000Z');
      // Each new purchase went out through the outbox, like any other import.
      const { rows: events } = await sql<{ count: number }>`
      select count(*)::int as count from outbox
      where type = 'purchase.recorded.v1' and payload->>'userId' = ${alice.id}`.execute(harness.database.db);
      expect(events[0]?.count).toBe(5);

      site.addOrder('alice@example.test', order(6, 6, [apples]));
      const second = await syncNow(alice);
      expect(second).toMatchObject({ state: 'succeeded', importedCount: 1, alreadyKnownCount: 0 });
      expect(site.loginsOf('alice@example.test')).toBe(1); // the stored session was reused
      expect((await purchasesOf(alice)).length).toBe(6);
      // The cursor stopped the walk on the first page.
      expect(site.requests.filter((line) => line === 'GET /account/orders?page=2').length).toBe(1);

      const status = await request(harness.app).get('/scraping/status').set(as(alice)).expect(200);
      expect(status.body.items).toEqual([
        expect.objectContaining({
          storeSlug: SLUG,
          accountStatus: 'connected',
          state: 'succeeded',
          jobId: second.id,
          lastRunAt: second.finishedAt,
          errorCode: null,
          importedCount: 1,
        }),
      ]);
      expect(Date.parse(status.body.items[0].nextRunAt)).toBeGreaterThan(Date.now());
    }
    // logs in again when the site has forgotten the session
    {
      site.expireSessions();
      site.addOrder('alice@example.test', order(7, 7, [milk]));
      const job = await syncNow(alice);
      expect(job).toMatchObject({ state: 'succeeded', importedCount: 1 });
      expect(site.loginsOf('alice@example.test')).toBe(2);
    }
    // does not reuse a session past its expiry
    {
      await sql`update store_account set session_expires_at = now() - interval '1 minute' where user_id = ${alice.id}`.execute(
        harness.database.db,
      );
      const job = await syncNow(alice);
      expect(job).toMatchObject({ state: 'succeeded', importedCount: 0 });
      expect(site.loginsOf('alice@example.test')).toBe(3);
      const { rows } = await sql<{ session_expires_at: Date }>`
      select session_expires_at from store_account where user_id = ${alice.id}`.execute(harness.database.db);
      expect(rows[0]?.session_expires_at.getTime()).toBeGreaterThan(Date.now()); // from the new cookie
    }
    // stores credentials and the session as ciphertext only
    {
      const row = await accountRow(alice.id);
      const session = row?.session_ciphertext as Buffer;
      expect(row?.credential_ciphertext.includes(Buffer.from(PASSWORDS.alice))).toBe(false);
      expect(row?.credential_ciphertext.includes(Buffer.from('alice@example.test'))).toBe(false);
      expect(session.includes(Buffer.from('rr_session'))).toBe(false);
      expect(session.includes(Buffer.from('127.0.0.1'))).toBe(false);
      // It is the browser's storage state, sealed for this user and store only.
      const opened = JSON.parse(
        new CredentialCipher(KEY).open(
          { keyId: row?.session_key_id as string, ciphertext: session },
          sessionContext(alice.id, SLUG),
        ),
      );
      expect(opened.storageState.cookies.map((cookie: { name: string }) => cookie.name)).toContain(
        'rr_session',
      );
      expect(() =>
        new CredentialCipher(KEY).open(
          { keyId: row?.session_key_id as string, ciphertext: session },
          sessionContext(testUser().id, SLUG),
        ),
      ).toThrow();
    }
    // The syncs were logged, and alice's password never was.
    expect(logLines.join('\n')).toContain('store sync succeeded');
    expect(logLines.join('\n')).not.toContain(PASSWORDS.alice);
  });

  it('fails with LOGIN_FAILED on a wrong password, without retrying, until re-connected', async () => {
    const carol = testUser();
    await connectStore(harness.app, carol, SLUG, {
      username: 'carol@example.test',
      password: PASSWORDS.carolWrong,
    });
    const job = await syncNow(carol);
    expect(job).toMatchObject({ state: 'failed', attempt: 1, errorCode: 'LOGIN_FAILED', importedCount: 0 });
    expect(job.errorMessage).not.toContain(PASSWORDS.carolWrong);
    expect(site.failedLoginsOf('carol@example.test')).toBe(1);
    expect(await scheduler.runOnce()).toEqual([]); // nothing re-queued
    expect(site.failedLoginsOf('carol@example.test')).toBe(1);

    const status = await request(harness.app).get('/scraping/status').set(as(carol)).expect(200);
    expect(status.body.items[0]).toMatchObject({
      accountStatus: 'reconnect_required',
      state: 'failed',
      errorCode: 'LOGIN_FAILED',
      nextRunAt: null,
    });
    expect((await accountRow(carol.id))?.next_sync_at).toBeNull();
    await request(harness.app).post(`/scraping/${SLUG}/sync`).set(as(carol)).expect(409);

    await connectStore(harness.app, carol, SLUG, {
      username: 'carol@example.test',
      password: PASSWORDS.carol,
    });
    expect(await syncNow(carol)).toMatchObject({ state: 'succeeded', importedCount: 1 });
    expect((await accountRow(carol.id))?.status).toBe('connected');
  });

  it('fails with PARSE_FAILED when the site changed its pages, writing nothing', async () => {
    const dave = testUser();
    await connectStore(harness.app, dave, SLUG, { username: 'dave@example.test', password: PASSWORDS.dave });
    site.setMode('changed-layout');
    try {
      const job = await syncNow(dave);
      expect(job).toMatchObject({ state: 'failed', attempt: 1, errorCode: 'PARSE_FAILED' });
      expect(job.errorMessage).toMatch(/order history/);
    } finally {
      site.setMode('normal');
    }
    expect(await purchasesOf(dave)).toEqual([]);
    const status = await request(harness.app).get('/scraping/status').set(as(dave)).expect(200);
    expect(status.body.items[0]).toMatchObject({ accountStatus: 'error', errorCode: 'PARSE_FAILED' });
    expect(status.body.items[0].nextRunAt).not.toBeNull(); // periodic syncs go on
  });

  it('re-queues a BLOCKED sync with backoff and succeeds on the retry', async () => {
    const erin = testUser();
    await connectStore(harness.app, erin, SLUG, { username: 'erin@example.test', password: PASSWORDS.erin });
    site.setMode('rate-limited');
    let job: Record<string, unknown>;
    try {
      job = await syncNow(erin);
    } finally {
      site.setMode('normal');
    }
    expect(job).toMatchObject({ state: 'queued', attempt: 1, errorCode: 'BLOCKED', finishedAt: null });
    const delay = Date.parse(job.runAfter as string) - Date.parse(job.startedAt as string);
    expect(delay).toBeGreaterThanOrEqual(RETRY_BASE_MS / 2 - 1_000);
    expect(delay).toBeLessThanOrEqual(RETRY_BASE_MS + 1_000);
    expect(await scheduler.runOnce()).toEqual([]); // not before its time

    await sql`update sync_job set run_after = now() where id = ${job.id as string}`.execute(
      harness.database.db,
    );
    expect(await scheduler.runOnce()).toEqual([job.id]);
    const retried = await request(harness.app).get(`/scraping/jobs/${job.id}`).set(as(erin)).expect(200);
    expect(retried.body).toMatchObject({ state: 'succeeded', attempt: 2, errorCode: null, importedCount: 1 });
  });

  it('never writes a password to the log (whichever syncs ran before)', () => {
    for (const password of Object.values(PASSWORDS)) expect(logLines.join('\n')).not.toContain(password);
  });
});

describe('the browser host', () => {
  it('closes Chromium once no sync has used it for its idle time, and starts it again for the next sync', async () => {
    const host = new BrowserHost(CHROMIUM, 200);
    try {
      const first = await host.newContext();
      expect(host.running).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(host.running).toBe(true); // a context is open: never closed under a sync
      await first.close();
      await vi.waitFor(() => expect(host.running).toBe(false), { timeout: 5_000 });
      const second = await host.newContext();
      expect(host.running).toBe(true);
      await second.close();
    } finally {
      await host.close();
    }
  });
});
