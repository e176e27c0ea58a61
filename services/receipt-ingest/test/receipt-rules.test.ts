/**
 * The rules every receipt import path shares (issue #17): returns recorded as returns, amounts and
 * their sums in range, `purchasedAt` at most a day ahead, no NUL, on the paths the other test files
 * do not drive end to end (store sync's conversion, CSV cells) and the stats sums.
 */
import { AppError } from '@cartwatch/service-kit';
import { sql } from 'kysely';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordReceipts } from '../src/receipts/receipt-import.service.js';
import { classifySyncError, SyncError } from '../src/scraping/sync-error.js';
import { toNormalizedReceipt } from '../src/scraping/sync-runner.js';
import { as, createHarness, createRetailer, type Harness, testUser } from './harness.js';

let harness: Harness;
const DAY_MS = 86_400_000;

beforeAll(async () => {
  harness = await createHarness('ingest_rules');
  await createRetailer(harness.app, 'rule-mart', 'Rule Mart');
});
afterAll(() => harness.close());

function scraped(overrides: Record<string, unknown> = {}) {
  return {
    purchasedAt: new Date().toISOString(),
    currency: 'USD',
    retailerReceiptId: `S-${Math.random().toString(16).slice(2)}`,
    items: [{ name: 'Rye Bread', unitPriceCents: 349 }],
    ...overrides,
  };
}

function importJson(user: { id: string }, items: Array<Record<string, unknown>>) {
  return request(harness.app)
    .post('/receipts')
    .set(as(user))
    .send({ storeSlug: 'rule-mart', purchasedAt: new Date().toISOString(), currency: 'USD', items });
}

function csvImport(user: { id: string }, csv: string) {
  return request(harness.app).post('/receipts/csv').set(as(user)).set('Content-Type', 'text/csv').send(csv);
}

describe('returns', () => {
  it('records a negative line as a return with no discount, and says so on the event', async () => {
    const user = testUser();
    const response = await importJson(user, [
      { name: 'Granola', quantity: 2, unitPriceCents: 450, regularPriceCents: 500 },
      { name: 'Granola', quantity: 1, unitPriceCents: 450, regularPriceCents: 500, paidCents: -450 },
    ]).expect(201);
    const { purchase } = response.body;
    expect(purchase).toMatchObject({ totalCents: 450, savingsCents: 100 });
    expect(
      purchase.items.map((item: { kind: string; paidCents: number; discountCents: number }) => [
        item.kind,
        item.paidCents,
        item.discountCents,
      ]),
    ).toEqual([
      ['purchase', 900, 100],
      ['return', -450, 0],
    ]);
    const { rows } = await sql<{ payload: { data: { items: Array<{ kind: string; paidCents: number }> } } }>`
      select payload from outbox where payload->>'subjectId' = ${purchase.id}`.execute(harness.database.db);
    expect(rows[0]?.payload.data.items.map((item) => [item.kind, item.paidCents])).toEqual([
      ['purchase', 900],
      ['return', -450],
    ]);
  });

  it('keeps a return marker and a negative amount together in the table', async () => {
    await expect(
      sql`update purchase_item set kind = 'return' where paid_cents >= 0`.execute(harness.database.db),
    ).rejects.toThrow(/purchase_item_kind_check/);
  });
});

describe('store sync', () => {
  it('refuses a scraped receipt dated more than a day ahead as PARSE_FAILED, writing nothing', async () => {
    const user = testUser();
    const receipt = toNormalizedReceipt(
      'rule-mart',
      scraped({ purchasedAt: new Date(Date.now() + 2 * DAY_MS).toISOString() }),
      'receipt A-1',
    );
    const error = await recordReceipts(harness.database, user.id, [receipt]).catch((caught) => caught);
    expect(error).toBeInstanceOf(AppError);
    expect(error.details.issues).toEqual([expect.objectContaining({ path: 'receipt A-1.purchasedAt' })]);
    expect(classifySyncError(error)).toMatchObject({ code: 'PARSE_FAILED' });
    const purchases = await request(harness.app).get('/purchases').set(as(user)).expect(200);
    expect(purchases.body.items).toEqual([]);
  });

  it('refuses a scraped receipt holding a NUL or an amount out of range as PARSE_FAILED', () => {
    expect(() =>
      toNormalizedReceipt('rule-mart', scraped({ items: [{ name: 'Rye\u0000', unitPriceCents: 1 }] }), 'r'),
    ).toThrow(expect.objectContaining({ code: 'PARSE_FAILED', message: expect.stringMatching(/NUL/) }));
    expect(() =>
      toNormalizedReceipt('rule-mart', scraped({ items: [{ name: 'Rye', unitPriceCents: 2 ** 52 }] }), 'r'),
    ).toThrow(SyncError);
  });
});

describe('CSV cells', () => {
  it('refuses a NUL in a cell and an amount beyond the range, naming the CSV line and column', async () => {
    const user = testUser();
    const at = new Date().toISOString();
    const response = await csvImport(
      user,
      [
        'store,purchased_at,name,unit_price,paid',
        `rule-mart,${at},Rye\u0000Bread,3.49,`,
        `rule-mart,${at},Gold,9999999999999.99,`,
        `rule-mart,${at},Butter,2.99,-9999999999999.99`,
      ].join('\n'),
    ).expect(400);
    expect(
      response.body.error.details.issues.map((issue: { path: string; code: string }) => [
        issue.path,
        issue.code,
      ]),
    ).toEqual([
      ['lines.2.name', 'nul_character'],
      ['lines.3.unit_price', 'too_big'],
      ['lines.4.paid', 'too_big'],
    ]);
  });

  it('refuses a line whose quantity x price leaves the range', async () => {
    const user = testUser();
    const response = await csvImport(
      user,
      [
        'store,purchased_at,name,unit_price,quantity',
        `rule-mart,${new Date().toISOString()},Gold,999999999.99,1000`,
      ].join('\n'),
    ).expect(400);
    expect(response.body.error.details.issues).toEqual([
      expect.objectContaining({ path: 'lines.2.paidCents' }),
    ]);
  });
});

describe('stats', () => {
  it('answers 422 rather than a wrong number when a period’s sums pass the safe integer range', async () => {
    const user = testUser();
    const created = await importJson(user, [
      { name: 'Gold', unitPriceCents: 100 },
      { name: 'Gold', unitPriceCents: 100 },
    ]).expect(201);
    // Rows written before amounts were bounded can still hold such values.
    await sql`update purchase_item set paid_cents = ${2 ** 52} where purchase_id = ${created.body.purchase.id}`.execute(
      harness.database.db,
    );
    const stats = await request(harness.app).get('/purchases/stats?groupBy=store').set(as(user)).expect(422);
    expect(stats.body.error.code).toBe('UNPROCESSABLE');
  });
});
