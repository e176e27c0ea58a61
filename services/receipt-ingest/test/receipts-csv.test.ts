/** CSV import (streamed, all or nothing, 10,000 lines in one request) and purchase statistics. */
import { sql } from 'kysely';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, createHarness, createRetailer, type Harness, testUser } from './harness.js';

let harness: Harness;

beforeAll(async () => {
  harness = await createHarness('ingest_csv');
  await createRetailer(harness.app, 'fresh-mart');
  await createRetailer(harness.app, 'value-grocer');
});
afterAll(() => harness.close());

const header =
  'receipt_id,store,purchased_at,currency,name,category,quantity,unit,unit_price,paid,regular_price,discount';

function postCsv(user: { id: string }, csv: string) {
  return request(harness.app).post('/receipts/csv').set(as(user)).set('Content-Type', 'text/csv').send(csv);
}

async function purchaseCount(userId: string): Promise<number> {
  const { rows } = await sql<{
    n: number;
  }>`select count(*)::int as n from purchase where user_id = ${userId}`.execute(harness.database.db);
  return rows[0]?.n ?? -1;
}

// Three receipts over two stores, two months and three categories; every figure below is by hand.
const statsCsv = [
  header,
  'A1,fresh-mart,2026-09-03T10:00:00Z,USD,Milk,dairy,2,ea,3.49,,,', // 698
  'A1,fresh-mart,2026-09-03T10:00:00Z,USD,Apples,produce,1.5,kg,2.00,,2.40,', // 300, saved 60
  'A2,fresh-mart,2026-10-14T18:30:00Z,USD,Yogurt,dairy,4,ea,1.25,4.00,,1.00', // 400, saved 100
  'B1,value-grocer,2026-10-20T09:15:00Z,USD,Bread,bakery,1,ea,2.99,,,', // 299
  'B1,value-grocer,2026-10-20T09:15:00Z,USD,"Cheese, sharp",dairy,0.456,kg,15.00,,,', // 684
].join('\n');

describe('POST /receipts/csv', () => {
  it('groups rows into receipts with the right items and totals in cents', async () => {
    const user = testUser();
    const response = await postCsv(user, statsCsv).expect(200);
    expect(response.body.itemCount).toBe(5);
    expect(
      response.body.purchases.map((p: { itemCount: number; created: boolean }) => [p.itemCount, p.created]),
    ).toEqual([
      [2, true],
      [1, true],
      [2, true],
    ]);
    const b1 = await request(harness.app)
      .get(`/purchases/${response.body.purchases[2].id}`)
      .set(as(user))
      .expect(200);
    expect(b1.body.totalCents).toBe(299 + 684);
    expect(b1.body.source).toBe('csv');
    expect(b1.body.retailerReceiptId).toBe('B1');
    expect(b1.body.items[1]).toMatchObject({
      name: 'Cheese, sharp',
      quantity: 0.456,
      unit: 'kg',
      unitPriceCents: 1500,
      paidCents: 684,
    });
    const a2 = await request(harness.app)
      .get(`/purchases/${response.body.purchases[1].id}`)
      .set(as(user))
      .expect(200);
    expect(a2.body.items[0]).toMatchObject({ quantity: 4, paidCents: 400, discountCents: 100 });
  });

  it('is idempotent: importing the same file again creates nothing new', async () => {
    const user = testUser();
    const first = await postCsv(user, statsCsv).expect(200);
    const again = await postCsv(user, statsCsv).expect(200);
    expect(again.body.purchases.every((p: { created: boolean }) => !p.created)).toBe(true);
    expect(again.body.purchases.map((p: { id: string }) => p.id)).toEqual(
      first.body.purchases.map((p: { id: string }) => p.id),
    );
    expect(await purchaseCount(user.id)).toBe(3);
  });

  it('rejects a malformed file with per-line issues and writes nothing', async () => {
    const user = testUser();
    const csv = [
      header,
      'C1,fresh-mart,2026-09-03T10:00:00Z,USD,Milk,dairy,1,ea,3.49,,,',
      'C1,fresh-mart,2026-09-03T10:00:00Z,USD,,dairy,1,ea,3.49,,,',
      'C1,fresh-mart,2026-09-03T10:00:00Z,USD,Eggs,dairy,abc,ea,3.x9,,,',
      'C2,no-such-store,2026-09-03T10:00:00Z,USD,Eggs,dairy,1,stone,1.00,,,',
    ].join('\n');
    const response = await postCsv(user, csv).expect(400);
    const paths = response.body.error.details.issues.map((issue: { path: string }) => issue.path);
    expect(paths).toEqual(['lines.3.name', 'lines.4.quantity', 'lines.4.unit_price', 'lines.5.unit']);
    expect(await purchaseCount(user.id)).toBe(0);

    const unknownStore = await postCsv(
      user,
      [header, 'C2,no-such-store,2026-09-03T10:00:00Z,USD,Eggs,dairy,1,ea,1.00,,,'].join('\n'),
    ).expect(400);
    expect(unknownStore.body.error.details.issues[0]).toMatchObject({
      path: 'lines.2.storeSlug',
      code: 'unknown_store',
    });
    const badHeader = await postCsv(
      user,
      'store,purchased_at,name,price\nfresh-mart,2026-09-03T10:00:00Z,Milk,1.00',
    ).expect(400);
    expect(badHeader.body.error.details.issues.map((issue: { path: string }) => issue.path)).toEqual([
      'lines.1.price',
      'lines.1.unit_price',
    ]);
    const unclosedQuote = await postCsv(
      user,
      `${header}\nC3,fresh-mart,2026-09-03T10:00:00Z,USD,"Milk,dairy,1,ea,1.00,,,`,
    ).expect(400);
    expect(unclosedQuote.body.error.code).toBe('VALIDATION_FAILED');
    await request(harness.app)
      .post('/receipts/csv')
      .set(as(user))
      .set('Content-Type', 'text/plain')
      .send('x')
      .expect(400);
    expect(await purchaseCount(user.id)).toBe(0);
  });

  it('imports a 10,000-line CSV in one request', async () => {
    const user = testUser();
    const lines = [header];
    for (let receipt = 0; receipt < 100; receipt += 1) {
      for (let line = 0; line < 100; line += 1) {
        lines.push(
          `BIG-${receipt},fresh-mart,2026-08-01T12:00:00Z,USD,Item ${line},pantry,1,ea,1.0${line % 10},,,`,
        );
      }
    }
    const response = await postCsv(user, lines.join('\n')).expect(200);
    expect(response.body.itemCount).toBe(10_000);
    expect(response.body.purchases).toHaveLength(100);
    const { rows } = await sql<{ items: number; cents: number }>`
      select count(*)::int as items, sum(i.paid_cents)::int as cents
        from purchase_item i join purchase p on p.id = i.purchase_id where p.user_id = ${user.id}`.execute(
      harness.database.db,
    );
    // Per receipt: 10 lines each of 100..109 cents = 10 * 1045 = 10,450; 100 receipts.
    expect(rows[0]).toEqual({ items: 10_000, cents: 1_045_000 });
  });
});

describe('GET /purchases/stats', () => {
  it('matches hand-computed spend, savings and counts by store, category and month', async () => {
    const user = testUser();
    await postCsv(user, statsCsv).expect(200);
    // Someone else's purchases never count.
    await postCsv(testUser(), statsCsv).expect(200);

    const byStore = await request(harness.app)
      .get('/purchases/stats?groupBy=store')
      .set(as(user))
      .expect(200);
    expect(byStore.body.groups).toEqual([
      {
        key: 'fresh-mart',
        currency: 'USD',
        spendCents: 698 + 300 + 400,
        savingsCents: 160,
        itemCount: 3,
        purchaseCount: 2,
      },
      {
        key: 'value-grocer',
        currency: 'USD',
        spendCents: 299 + 684,
        savingsCents: 0,
        itemCount: 2,
        purchaseCount: 1,
      },
    ]);
    const byCategory = await request(harness.app)
      .get('/purchases/stats?groupBy=category')
      .set(as(user))
      .expect(200);
    expect(byCategory.body.groups).toEqual([
      { key: 'bakery', currency: 'USD', spendCents: 299, savingsCents: 0, itemCount: 1, purchaseCount: 1 },
      {
        key: 'dairy',
        currency: 'USD',
        spendCents: 698 + 400 + 684,
        savingsCents: 100,
        itemCount: 3,
        purchaseCount: 3,
      },
      { key: 'produce', currency: 'USD', spendCents: 300, savingsCents: 60, itemCount: 1, purchaseCount: 1 },
    ]);
    const byMonth = await request(harness.app)
      .get('/purchases/stats?groupBy=month')
      .set(as(user))
      .expect(200);
    expect(byMonth.body.groups).toEqual([
      { key: '2026-09', currency: 'USD', spendCents: 998, savingsCents: 60, itemCount: 2, purchaseCount: 1 },
      {
        key: '2026-10',
        currency: 'USD',
        spendCents: 400 + 983,
        savingsCents: 100,
        itemCount: 3,
        purchaseCount: 2,
      },
    ]);
    const october = await request(harness.app)
      .get('/purchases/stats?groupBy=store&from=2026-10-01T00:00:00Z&to=2026-11-01T00:00:00Z')
      .set(as(user))
      .expect(200);
    expect(
      october.body.groups.map((g: { key: string; spendCents: number }) => [g.key, g.spendCents]),
    ).toEqual([
      ['fresh-mart', 400],
      ['value-grocer', 983],
    ]);
    await request(harness.app).get('/purchases/stats?groupBy=weekday').set(as(user)).expect(400);
  });
});
