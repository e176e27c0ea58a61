/**
 * JSON receipt import: items and totals in cents, idempotent re-import, whole-request rejection with
 * per-line issues, per-user scoping and the purchase.recorded.v1 event in the outbox.
 */
import { sql } from 'kysely';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, createHarness, createRetailer, type Harness, testUser } from './harness.js';

let harness: Harness;

beforeAll(async () => {
  harness = await createHarness('ingest_json');
  await createRetailer(harness.app, 'fresh-mart', 'Fresh Mart');
});
afterAll(() => harness.close());

function receipt(overrides: Record<string, unknown> = {}) {
  return {
    storeSlug: 'fresh-mart',
    purchasedAt: '2026-11-03T17:20:00Z',
    currency: 'USD',
    retailerReceiptId: `R-${Math.random().toString(16).slice(2)}`,
    items: [
      { name: 'Whole Milk 1 gal', gtin: '011110038364', category: 'dairy', quantity: 2, unitPriceCents: 349 },
      { name: 'Bananas', category: 'produce', quantity: 1.254, unit: 'kg', unitPriceCents: 129 },
      {
        name: 'Cheddar 8 oz',
        category: 'dairy',
        unitPriceCents: 399,
        regularPriceCents: 499,
        paidCents: 399,
      },
    ],
    ...overrides,
  };
}

async function outboxEvents(purchaseId: string) {
  const { rows } = await sql<{ type: string; payload: { data: Record<string, unknown> } }>`
    select type, payload from outbox where payload->>'subjectId' = ${purchaseId}`.execute(
    harness.database.db,
  );
  return rows;
}

describe('POST /receipts', () => {
  it('records the items with quantities as decimals and totals in cents', async () => {
    const user = testUser();
    const response = await request(harness.app).post('/receipts').set(as(user)).send(receipt()).expect(201);
    const { purchase } = response.body;
    expect(response.body.created).toBe(true);
    expect(
      purchase.items.map((item: { name: string; quantity: number; paidCents: number }) => [
        item.name,
        item.quantity,
        item.paidCents,
      ]),
    ).toEqual([
      ['Whole Milk 1 gal', 2, 698],
      ['Bananas', 1.254, 162], // 1.254 kg x 1.29 = 1.61766 -> 162
      ['Cheddar 8 oz', 1, 399],
    ]);
    expect(purchase.totalCents).toBe(698 + 162 + 399);
    expect(purchase.savingsCents).toBe(100);
    expect(purchase.items[1].unit).toBe('kg');
    expect(purchase.itemCount).toBe(3);

    const events = await outboxEvents(purchase.id);
    expect(events).toHaveLength(1);
    expect(events[0]?.type).toBe('purchase.recorded.v1');
    const data = events[0]?.payload.data as {
      items: Array<{ lineId: string; quantity: number; onSale: boolean }>;
    };
    expect(data.items.map((item) => item.lineId)).toEqual(
      purchase.items.map((item: { lineId: string }) => item.lineId),
    );
    expect(data.items[1]?.quantity).toBe(1.254);
    expect(data.items[2]?.onSale).toBe(true);
  });

  it('passes the printed pack size on to price-watch in canonical units', async () => {
    const body = receipt({
      items: [
        {
          name: 'Oat Cereal',
          gtin: '00041196910759',
          unitPriceCents: 399,
          size: { value: 14.5, unit: 'oz' },
        },
        { name: 'Sparkling Water', unitPriceCents: 599, size: { value: 1.5, unit: 'l' } },
        { name: 'Eggs', unitPriceCents: 299 },
      ],
    });
    const response = await request(harness.app).post('/receipts').set(as(testUser())).send(body).expect(201);
    const [event] = await outboxEvents(response.body.purchase.id);
    if (!event) throw new Error('no purchase.recorded.v1 in the outbox');
    const { items } = event.payload.data as { items: Array<{ size?: unknown }> };
    expect(items.map((item) => item.size)).toEqual([
      { value: 411.068085, unit: 'g' },
      { value: 1500, unit: 'ml' },
      undefined,
    ]);
  });

  it('rejects a pack size in an unknown unit or of zero', async () => {
    for (const size of [
      { value: 16, unit: 'ounces' },
      { value: 0, unit: 'oz' },
    ]) {
      const body = receipt({ items: [{ name: 'Oat Cereal', unitPriceCents: 399, size }] });
      const response = await request(harness.app)
        .post('/receipts')
        .set(as(testUser()))
        .send(body)
        .expect(400);
      expect(response.body.error.code).toBe('VALIDATION_FAILED');
    }
  });

  it('returns the existing purchase when the same retailer receipt id is imported again', async () => {
    const user = testUser();
    const body = receipt();
    const first = await request(harness.app).post('/receipts').set(as(user)).send(body).expect(201);
    const again = await request(harness.app).post('/receipts').set(as(user)).send(body).expect(200);
    expect(again.body.created).toBe(false);
    expect(again.body.purchase.id).toBe(first.body.purchase.id);
    const list = await request(harness.app).get('/purchases').set(as(user)).expect(200);
    expect(list.body.items).toHaveLength(1);
    expect(await outboxEvents(first.body.purchase.id)).toHaveLength(1);
  });

  it('deduplicates by content hash when there is no retailer receipt id', async () => {
    const user = testUser();
    const body = receipt({ retailerReceiptId: undefined });
    const first = await request(harness.app).post('/receipts').set(as(user)).send(body).expect(201);
    const again = await request(harness.app).post('/receipts').set(as(user)).send(body).expect(200);
    expect(again.body.purchase.id).toBe(first.body.purchase.id);
    // Another user importing the same receipt gets their own purchase.
    const other = await request(harness.app).post('/receipts').set(as(testUser())).send(body).expect(201);
    expect(other.body.purchase.id).not.toBe(first.body.purchase.id);
  });

  it('rejects the whole receipt with per-line issues and writes nothing', async () => {
    const user = testUser();
    const body = receipt({
      totalCents: 1,
      items: [
        { name: 'Eggs', unitPriceCents: 299 },
        { name: '', unitPriceCents: 100 },
        { name: 'Flour', quantity: -1, unitPriceCents: 100 },
        { name: 'Sugar', unitPriceCents: 1.5 },
      ],
    });
    const response = await request(harness.app).post('/receipts').set(as(user)).send(body).expect(400);
    expect(response.body.error.code).toBe('VALIDATION_FAILED');
    const paths = response.body.error.details.issues.map((issue: { path: string }) => issue.path);
    expect(paths).toEqual(
      expect.arrayContaining(['items.1.name', 'items.2.quantity', 'items.3.unitPriceCents']),
    );
    const { rows } = await sql<{
      n: number;
    }>`select count(*) as n from purchase where user_id = ${user.id}`.execute(harness.database.db);
    expect(rows[0]?.n).toBe(0);
  });

  it('rejects a total that does not match the lines, an unknown store and unknown fields', async () => {
    const user = testUser();
    const mismatch = await request(harness.app)
      .post('/receipts')
      .set(as(user))
      .send(receipt({ totalCents: 5 }))
      .expect(400);
    expect(mismatch.body.error.details.issues).toEqual([
      expect.objectContaining({ path: 'totalCents', code: 'total_mismatch' }),
    ]);
    const unknownStore = await request(harness.app)
      .post('/receipts')
      .set(as(user))
      .send(receipt({ storeSlug: 'nowhere' }))
      .expect(400);
    expect(unknownStore.body.error.details.issues[0].path).toBe('storeSlug');
    const extra = await request(harness.app)
      .post('/receipts')
      .set(as(user))
      .send(receipt({ shopper: 'x' }))
      .expect(400);
    expect(extra.body.error.details.issues[0]).toMatchObject({ path: 'shopper', message: 'unknown field' });
  });

  it('imports a batch all or nothing', async () => {
    const user = testUser();
    const good = receipt();
    const bad = receipt({ storeSlug: 'nowhere' });
    const rejected = await request(harness.app)
      .post('/receipts/batch')
      .set(as(user))
      .send({ receipts: [good, bad] })
      .expect(400);
    expect(rejected.body.error.details.issues[0].path).toBe('receipts.1.storeSlug');
    const none = await request(harness.app).get('/purchases').set(as(user)).expect(200);
    expect(none.body.items).toEqual([]);
    const accepted = await request(harness.app)
      .post('/receipts/batch')
      .set(as(user))
      .send({ receipts: [good, receipt(), good] })
      .expect(200);
    expect(accepted.body.itemCount).toBe(9);
    expect(accepted.body.purchases.map((p: { created: boolean }) => p.created)).toEqual([true, true, false]);
    expect(accepted.body.purchases[2].id).toBe(accepted.body.purchases[0].id);
  });
});

describe('purchases', () => {
  it("returns 404 for another user's purchase, and lets only the owner delete it", async () => {
    const owner = testUser();
    const stranger = testUser();
    const created = await request(harness.app).post('/receipts').set(as(owner)).send(receipt()).expect(201);
    const id = created.body.purchase.id;
    const notFound = await request(harness.app).get(`/purchases/${id}`).set(as(stranger)).expect(404);
    expect(notFound.body.error.code).toBe('NOT_FOUND');
    await request(harness.app).delete(`/purchases/${id}`).set(as(stranger)).expect(404);
    const strangerList = await request(harness.app).get('/purchases').set(as(stranger)).expect(200);
    expect(strangerList.body.items).toEqual([]);
    await request(harness.app).get(`/purchases/${id}`).set(as(owner)).expect(200);
    await request(harness.app).delete(`/purchases/${id}`).set(as(owner)).expect(204);
    await request(harness.app).get(`/purchases/${id}`).set(as(owner)).expect(404);
    const { rows } = await sql<{
      n: number;
    }>`select count(*) as n from purchase_item where purchase_id = ${id}`.execute(harness.database.db);
    expect(rows[0]?.n).toBe(0);
  });

  it('pages newest first and filters by store, dates and item text', async () => {
    const user = testUser();
    await createRetailer(harness.app, 'corner-shop');
    const days = ['2026-10-01', '2026-10-05', '2026-10-09', '2026-10-13', '2026-10-17'];
    for (const [index, day] of days.entries()) {
      await request(harness.app)
        .post('/receipts')
        .set(as(user))
        .send(
          receipt({
            storeSlug: index === 4 ? 'corner-shop' : 'fresh-mart',
            purchasedAt: `${day}T10:00:00Z`,
            items: [{ name: index === 2 ? 'Greek Yogurt 100%' : 'Bread', unitPriceCents: 250 }],
          }),
        )
        .expect(201);
    }
    const first = await request(harness.app).get('/purchases?limit=2').set(as(user)).expect(200);
    expect(first.body.items.map((p: { purchasedAt: string }) => p.purchasedAt.slice(0, 10))).toEqual([
      '2026-10-17',
      '2026-10-13',
    ]);
    const second = await request(harness.app)
      .get(`/purchases?limit=2&cursor=${first.body.nextCursor}`)
      .set(as(user))
      .expect(200);
    expect(second.body.items.map((p: { purchasedAt: string }) => p.purchasedAt.slice(0, 10))).toEqual([
      '2026-10-09',
      '2026-10-05',
    ]);
    const third = await request(harness.app)
      .get(`/purchases?limit=2&cursor=${second.body.nextCursor}`)
      .set(as(user))
      .expect(200);
    expect(third.body.items).toHaveLength(1);
    expect(third.body.nextCursor).toBeNull();

    const byStore = await request(harness.app).get('/purchases?store=corner-shop').set(as(user)).expect(200);
    expect(byStore.body.items).toHaveLength(1);
    const byDates = await request(harness.app)
      .get('/purchases?from=2026-10-05T00:00:00Z&to=2026-10-13T00:00:00Z')
      .set(as(user))
      .expect(200);
    expect(byDates.body.items).toHaveLength(2);
    const byText = await request(harness.app)
      .get('/purchases?text=yogurt%20100%25')
      .set(as(user))
      .expect(200);
    expect(byText.body.items.map((p: { purchasedAt: string }) => p.purchasedAt.slice(0, 10))).toEqual([
      '2026-10-09',
    ]);
    await request(harness.app).get('/purchases?cursor=garbage').set(as(user)).expect(400);
  });
});

describe('stores', () => {
  it('lets only admins add retailers and locations, and lists them for users', async () => {
    const user = testUser();
    await request(harness.app)
      .post('/stores')
      .set(as(user))
      .send({ slug: 'sneaky', name: 'Sneaky', ingestionMethods: ['json'] })
      .expect(403);
    await request(harness.app)
      .post('/stores')
      .set(as({ id: user.id, role: 'admin' }))
      .send({ slug: 'fresh-mart', name: 'Again', ingestionMethods: ['json'] })
      .expect(409);
    const stores = await request(harness.app).get('/stores?limit=100').set(as(user)).expect(200);
    expect(stores.body.items).toContainEqual({
      slug: 'fresh-mart',
      name: 'Fresh Mart',
      website: 'https://fresh-mart.example.test',
      ingestionMethods: ['json', 'csv', 'text', 'email'],
    });
    const location = await request(harness.app)
      .post('/stores/fresh-mart/locations')
      .set(as({ id: user.id, role: 'admin' }))
      .send({ name: 'Downtown', city: 'Springfield', country: 'US' })
      .expect(201);
    const locations = await request(harness.app)
      .get('/stores/fresh-mart/locations')
      .set(as(user))
      .expect(200);
    expect(locations.body.items).toEqual([location.body]);
    await request(harness.app).get('/stores/nope/locations').set(as(user)).expect(404);
    // A receipt may name the location, but only one of its own store.
    await request(harness.app)
      .post('/receipts')
      .set(as(user))
      .send(receipt({ locationId: location.body.id }))
      .expect(201);
    await createRetailer(harness.app, 'other-store');
    const wrong = await request(harness.app)
      .post('/receipts')
      .set(as(user))
      .send(receipt({ storeSlug: 'other-store', locationId: location.body.id }))
      .expect(400);
    expect(wrong.body.error.details.issues[0].path).toBe('locationId');
  });
});
