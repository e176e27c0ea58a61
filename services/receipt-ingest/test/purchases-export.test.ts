/** GET /purchases/export.csv: the CSV that POST /receipts/csv imports, scoped to the caller. */
import { serviceHeaders, TEST_SERVICE_KEY } from '@cartwatch/testing';
import { parse } from 'csv-parse/sync';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, createHarness, createRetailer, type Harness, testUser } from './harness.js';

let harness: Harness;

beforeAll(async () => {
  harness = await createHarness('ingest_export');
  await createRetailer(harness.app, 'fresh-mart');
  await createRetailer(harness.app, 'value-grocer');
});
afterAll(() => harness.close());

// Every stored field a line can have: receipt ids or none, weights, discounts given or derived, a
// regular price, a return, GTIN/brand/category, and names a CSV must quote.
const receipts = [
  {
    storeSlug: 'fresh-mart',
    purchasedAt: '2026-09-03T10:00:00.000Z',
    currency: 'USD',
    retailerReceiptId: 'FM-1001',
    items: [
      {
        name: 'Whole milk 1 gal',
        gtin: '0041220576463',
        brand: 'Dairy Farms',
        category: 'dairy',
        quantity: 2,
        unitPriceCents: 349,
      },
      {
        name: 'Apples, Gala',
        category: 'produce',
        quantity: 1.456,
        unit: 'kg',
        unitPriceCents: 200,
        regularPriceCents: 240,
      },
      { name: 'Yogurt "Greek"', quantity: 4, unitPriceCents: 125, paidCents: 400, discountCents: 100 },
    ],
  },
  {
    storeSlug: 'fresh-mart',
    purchasedAt: '2026-10-14T18:30:05.120Z',
    currency: 'USD',
    items: [
      { name: '=SUM(A1)', quantity: 1, unitPriceCents: 99 },
      { name: 'Returned bottle', quantity: 1, unitPriceCents: 250, paidCents: -250 },
    ],
  },
  {
    storeSlug: 'value-grocer',
    purchasedAt: '2026-10-20T09:15:00.000Z',
    currency: 'EUR',
    retailerReceiptId: 'VG/77',
    items: [
      { name: 'Bread', quantity: 1, unitPriceCents: 0 },
      { name: 'Ham, sliced', quantity: 0.25, unit: 'kg', unitPriceCents: 1999 },
    ],
  },
];

interface PurchaseDetail {
  id: string;
  storeSlug: string;
  locationId: string | null;
  purchasedAt: string;
  currency: string;
  totalCents: number;
  savingsCents: number;
  itemCount: number;
  retailerReceiptId: string | null;
  items: Array<Record<string, unknown>>;
}

/** A user's purchases with their lines, without what an import assigns anew (ids, source, times). */
async function purchasesOf(user: { id: string }) {
  const list = await request(harness.app).get('/purchases?limit=100').set(as(user)).expect(200);
  const details: PurchaseDetail[] = [];
  for (const { id } of list.body.items as Array<{ id: string }>) {
    details.push((await request(harness.app).get(`/purchases/${id}`).set(as(user)).expect(200)).body);
  }
  return details.map((purchase) => ({
    storeSlug: purchase.storeSlug,
    locationId: purchase.locationId,
    purchasedAt: purchase.purchasedAt,
    currency: purchase.currency,
    totalCents: purchase.totalCents,
    savingsCents: purchase.savingsCents,
    itemCount: purchase.itemCount,
    retailerReceiptId: purchase.retailerReceiptId,
    items: purchase.items.map(({ lineId: _lineId, productId: _productId, ...line }) => line),
  }));
}

function exportCsv(user: { id: string }, query = '') {
  return request(harness.app).get(`/purchases/export.csv${query}`).set(as(user));
}

describe('GET /purchases/export.csv', () => {
  it('round-trips: importing A’s export into B reproduces A’s purchases', async () => {
    const a = testUser();
    const b = testUser();
    await request(harness.app).post('/receipts/batch').set(as(a)).send({ receipts }).expect(200);

    const exported = await exportCsv(a).expect(200);
    expect(exported.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(exported.headers['content-disposition']).toBe('attachment; filename="purchases.csv"');
    const rows = parse(exported.text, { columns: true }) as Array<Record<string, string>>;
    expect(rows).toHaveLength(7);
    // Newest purchase first, lines in order; amounts as decimals the importer reads.
    expect(rows[0]).toMatchObject({
      receipt_id: 'VG/77',
      store: 'value-grocer',
      name: 'Bread',
      unit_price: '0.00',
    });
    expect(rows[1]).toMatchObject({
      name: 'Ham, sliced',
      quantity: '0.25',
      unit: 'kg',
      unit_price: '19.99',
      paid: '5.00',
      currency: 'EUR',
    });
    expect(rows[3]).toMatchObject({
      name: 'Returned bottle',
      paid: '-2.50',
      discount: '0.00',
      receipt_id: '',
    });
    expect(rows[2]?.name).toBe('=SUM(A1)');
    expect(rows[6]).toMatchObject({ name: 'Yogurt "Greek"', paid: '4.00', discount: '1.00' });

    const imported = await request(harness.app)
      .post('/receipts/csv')
      .set(as(b))
      .set('Content-Type', 'text/csv')
      .send(exported.text)
      .expect(200);
    expect(imported.body.purchases.every((p: { created: boolean }) => p.created)).toBe(true);

    const original = await purchasesOf(a);
    expect(original).toHaveLength(3);
    expect(original[2]?.items[1]).toMatchObject({
      quantity: 1.456,
      regularPriceCents: 240,
      discountCents: 58,
    });
    expect(await purchasesOf(b)).toEqual(original);
  });

  it('applies the purchases list filters (store, period, text)', async () => {
    const user = testUser();
    await request(harness.app).post('/receipts/batch').set(as(user)).send({ receipts }).expect(200);
    const names = async (query: string) =>
      (
        parse((await exportCsv(user, query).expect(200)).text, { columns: true }) as Array<{ name: string }>
      ).map((row) => row.name);
    expect(await names('?store=value-grocer')).toEqual(['Bread', 'Ham, sliced']);
    expect(await names('?from=2026-10-01T00:00:00Z&to=2026-10-20T00:00:00Z')).toEqual([
      '=SUM(A1)',
      'Returned bottle',
    ]);
    // text picks purchases with a matching line, and exports all of their lines.
    expect(await names('?text=yogurt')).toEqual(['Whole milk 1 gal', 'Apples, Gala', 'Yogurt "Greek"']);
    expect(await names('?store=fresh-mart&text=nothing-like-this')).toEqual([]);
  });

  it('exports only the caller’s purchases: another user gets a header and nothing else', async () => {
    const owner = testUser();
    const other = testUser();
    await request(harness.app).post('/receipts/batch').set(as(owner)).send({ receipts }).expect(200);
    const response = await exportCsv(other).expect(200);
    expect(response.text).toBe(
      'receipt_id,store,location_id,purchased_at,currency,name,gtin,brand,category,quantity,unit,unit_price,paid,regular_price,discount\n',
    );
  });

  it('refuses bad filters in the error shape and callers without a user', async () => {
    const user = testUser();
    const bad = await exportCsv(user, '?store=Not%20A%20Slug&limit=5').expect(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
    const paths = bad.body.error.details.issues.map((issue: { path: string }) => issue.path);
    expect(paths).toEqual(expect.arrayContaining(['store', 'limit']));
    const anonymous = await request(harness.app)
      .get('/purchases/export.csv')
      .set(serviceHeaders(TEST_SERVICE_KEY))
      .expect(401);
    expect(anonymous.body.error.code).toBe('UNAUTHENTICATED');
  });

  it('serves the same CSV to the gateway on the internal route, for the user named in the path', async () => {
    const user = testUser();
    await request(harness.app).post('/receipts/batch').set(as(user)).send({ receipts }).expect(200);
    const own = await exportCsv(user).expect(200);
    const internal = await request(harness.app)
      .get(`/internal/users/${user.id}/purchases.csv`)
      .set(as(testUser()))
      .expect(200);
    expect(internal.text).toBe(own.text);
    await request(harness.app).get(`/internal/users/${user.id}/purchases.csv`).expect(401);
  });
});
