import type { UserRole } from '@cartwatch/common-types';
import { newId } from '@cartwatch/db';
import {
  newUserId,
  serviceHeaders,
  TEST_SERVICE_KEY,
  testAdmin,
  testStaff,
  testUser,
} from '@cartwatch/testing';
import { sql } from 'kysely';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purchaseRecordedHandler } from '../src/events/purchase-recorded.handler.js';
import { userDeletedHandler } from '../src/events/user-deleted.handler.js';
import { deliver, type PriceWatchHarness, purchase, startPriceWatch } from './support.js';

let harness: PriceWatchHarness;
const handler = purchaseRecordedHandler({ threshold: 0.55 }, { minContributors: 3, windowDays: 90 });
const user = testUser();
const admin = testAdmin();
/** Merge and split are platform moderation: store staff are refused like shoppers. */
const staff = testStaff('fresh-mart');

beforeAll(async () => {
  harness = await startPriceWatch('pw_catalog');
});
afterAll(() => harness.close());

async function matchesOf(purchaseId: string) {
  return harness.database.db
    .selectFrom('purchase_line_match')
    .select(['line_id', 'product_id', 'method', 'confidence'])
    .where('purchase_id', '=', purchaseId)
    .orderBy('line_name')
    .execute();
}

async function matchOne(
  item: Parameters<typeof purchase>[1][number],
  options: Parameters<typeof purchase>[2] = {},
) {
  const data = purchase(user.id, [item], options);
  await deliver(harness.database, handler, data);
  const [match] = await matchesOf(data.purchaseId);
  if (!match) throw new Error('no match recorded');
  return match;
}

describe('matching purchase lines to products', () => {
  it('matches the same item as UPC-A, EAN-13 and GTIN-14 to one product', async () => {
    const first = await matchOne({ name: 'Coca-Cola Classic 12oz', gtin: '049000028911' });
    const second = await matchOne({ name: 'COKE CLASSIC', gtin: '0049000028911' });
    const third = await matchOne({ name: 'Coca Cola can', gtin: '00049000028911' });
    expect(first.method).toBe('created');
    expect(second).toMatchObject({ product_id: first.product_id, method: 'gtin', confidence: 1 });
    expect(third).toMatchObject({ product_id: first.product_id, method: 'gtin' });
    const gtins = await harness.database.db
      .selectFrom('product_gtin')
      .select('gtin')
      .where('product_id', '=', first.product_id)
      .execute();
    expect(gtins.map((row) => row.gtin)).toEqual(['00049000028911']);
  });

  it('makes the same name in a different size a different product', async () => {
    const small = await matchOne({
      name: 'Barilla Spaghetti No. 5',
      brand: 'Barilla',
      size: { value: 454, unit: 'g' },
    });
    const large = await matchOne({
      name: 'Barilla Spaghetti No. 5',
      brand: 'Barilla',
      size: { value: 907, unit: 'g' },
    });
    const smallAgain = await matchOne({
      name: 'BARILLA SPAGHETTI NO 5',
      brand: 'barilla',
      size: { value: 454, unit: 'g' },
    });
    expect(large.product_id).not.toBe(small.product_id);
    expect(smallAgain).toMatchObject({ product_id: small.product_id, method: 'name' });
    expect(smallAgain.confidence).toBeGreaterThanOrEqual(0.55);
    expect(smallAgain.confidence).toBeLessThanOrEqual(1);
  });

  it('keeps products of different brands apart even with similar names', async () => {
    const a = await matchOne({ name: 'Greek Yogurt Plain', brand: 'Fage', size: { value: 500, unit: 'g' } });
    const b = await matchOne({
      name: 'Greek Yogurt Plain',
      brand: 'Chobani',
      size: { value: 500, unit: 'g' },
    });
    expect(b.product_id).not.toBe(a.product_id);
    expect(b.method).toBe('created');
  });

  it('creates a new product when the best name similarity is below the threshold', async () => {
    const a = await matchOne({ name: 'Organic Bananas', size: { value: 1, unit: 'ct' } });
    const b = await matchOne({ name: 'Frozen Peas', size: { value: 1, unit: 'ct' } });
    expect(b.product_id).not.toBe(a.product_id);
    expect(b.method).toBe('created');
  });

  it('does not name-match an item carrying a GTIN to a product that has another GTIN', async () => {
    const a = await matchOne({
      name: 'Heinz Ketchup',
      brand: 'Heinz',
      gtin: '013000006408',
      size: { value: 567, unit: 'g' },
    });
    const b = await matchOne({
      name: 'Heinz Ketchup',
      brand: 'Heinz',
      gtin: '013000001243',
      size: { value: 567, unit: 'g' },
    });
    expect(b.product_id).not.toBe(a.product_id);
  });

  it('records an observation per line with the paid unit price and a unit price per canonical unit', async () => {
    const data = purchase(
      user.id,
      [
        {
          name: 'Whole Milk',
          brand: 'Horizon',
          size: { value: 1892.706, unit: 'ml' },
          paidCents: 1198,
          quantity: 2,
          onSale: true,
          regularPriceCents: 699,
        },
      ],
      { storeSlug: 'safeway' },
    );
    await deliver(harness.database, handler, data);
    const [match] = await matchesOf(data.purchaseId);
    const observation = await harness.database.db
      .selectFrom('price_observation')
      .selectAll()
      .where('product_id', '=', match?.product_id ?? '')
      .executeTakeFirstOrThrow();
    expect(observation).toMatchObject({
      price_cents: 599,
      regular_price_cents: 699,
      is_sale: true,
      price_type: 'sale',
      source: 'receipt',
    });
    expect(Number(observation.unit_price_cents)).toBeCloseTo(599 / 1892.706, 6);
    const outbox = await harness.database.db
      .selectFrom('outbox' as never)
      .select(['type' as never])
      .execute();
    const types = (outbox as { type: string }[]).map((row) => row.type);
    expect(types).toContain('product.matched.v1');
    expect(types).toContain('price.observed.v1');
  });

  it('observes the pack size printed on the receipt when a GTIN keeps its product through a shrink', async () => {
    const gtin = '00041196910759';
    const first = purchase(user.id, [
      { name: 'Oat Cereal', brand: 'Acme', gtin, size: { value: 453.592, unit: 'g' } },
    ]);
    await deliver(harness.database, handler, first);
    const smaller = purchase(user.id, [
      { name: 'Oat Cereal', brand: 'Acme', gtin, size: { value: 411.07, unit: 'g' } },
    ]);
    await deliver(harness.database, handler, smaller);
    const [before] = await matchesOf(first.purchaseId);
    const [after] = await matchesOf(smaller.purchaseId);
    expect(after?.product_id).toBe(before?.product_id);
    const observations = await harness.database.db
      .selectFrom('price_observation')
      .select(['unit_price_cents', 'observed_at'])
      .where('product_id', '=', before?.product_id ?? '')
      .orderBy('observed_at')
      .execute();
    expect(observations.map((row) => Number(row.unit_price_cents))).toEqual([
      expect.closeTo(399 / 453.592, 6),
      expect.closeTo(399 / 411.07, 6),
    ]);
    const { rows } = await sql<{ size: unknown; user_id: string | null }>`
      select payload->'data'->'size' as size, payload->>'userId' as user_id from outbox
      where type = 'price.observed.v1' and payload->'data'->>'productId' = ${before?.product_id ?? ''}
      order by seq`.execute(harness.database.db);
    expect(rows.map((row) => row.size)).toEqual([
      { value: 453.592, unit: 'g' },
      { value: 411.07, unit: 'g' },
    ]);
    // The buyer rides on the envelope: shrinkflation keeps it with the pack history.
    expect(rows.map((row) => row.user_id)).toEqual([user.id, user.id]);
  });

  it('applies a redelivered purchase only once', async () => {
    const data = purchase(user.id, [
      { name: 'Sourdough Loaf', brand: 'Acme', size: { value: 680, unit: 'g' } },
    ]);
    await deliver(harness.database, handler, data);
    await deliver(harness.database, handler, data);
    const rows = await harness.database.db
      .selectFrom('price_observation')
      .select('id')
      .where('line_id', '=', data.items[0]?.lineId ?? '')
      .execute();
    expect(rows).toHaveLength(1);
  });
});

describe('product reads', () => {
  it('shows the latest price per store, the unit price and the cheapest store', async () => {
    const item = {
      name: 'Peanut Butter Creamy',
      brand: 'Jif',
      size: { value: 454, unit: 'g' as const },
      gtin: '051500255162',
    };
    await deliver(
      harness.database,
      handler,
      purchase(user.id, [{ ...item, paidCents: 450 }], {
        storeSlug: 'target',
        purchasedAt: '2026-01-01T10:00:00Z',
      }),
    );
    await deliver(
      harness.database,
      handler,
      purchase(user.id, [{ ...item, paidCents: 399 }], {
        storeSlug: 'target',
        purchasedAt: '2026-01-05T10:00:00Z',
      }),
    );
    await deliver(
      harness.database,
      handler,
      purchase(user.id, [{ ...item, paidCents: 429 }], {
        storeSlug: 'walmart',
        purchasedAt: '2026-01-03T10:00:00Z',
      }),
    );
    const resolved = await request(harness.app)
      .get('/internal/products/resolve?gtin=0051500255162')
      .set(serviceHeaders(TEST_SERVICE_KEY))
      .expect(200);
    const detail = await request(harness.app)
      .get(`/products/${resolved.body.id}`)
      .set(serviceHeaders(TEST_SERVICE_KEY, user))
      .expect(200);
    expect(detail.body.prices).toEqual([
      expect.objectContaining({
        storeSlug: 'target',
        priceCents: 399,
        unitPrice: { amountCents: 879, currency: 'USD', per: { value: 1000, unit: 'g' } },
      }),
      expect.objectContaining({ storeSlug: 'walmart', priceCents: 429 }),
    ]);
    expect(detail.body.cheapestStore).toBe('target');

    const series = await request(harness.app)
      .get(`/products/${resolved.body.id}/prices?from=2026-01-01&to=2026-01-31&interval=month&store=target`)
      .set(serviceHeaders(TEST_SERVICE_KEY, user))
      .expect(200);
    expect(series.body.points).toEqual([
      { period: '2026-01-01', minCents: 399, avgCents: 425, maxCents: 450, count: 2, ownCount: 2 },
    ]);
  });

  it('finds or creates the product of a GTIN for a store catalog (POST /internal/products/resolve)', async () => {
    const resolve = (body: object) =>
      request(harness.app)
        .post('/internal/products/resolve')
        .set(serviceHeaders(TEST_SERVICE_KEY))
        .send(body);
    await resolve({ gtin: '4006381333986' }).expect(404);
    const created = await resolve({ gtin: '4006381333986', name: 'Whole Milk 1 l', brand: 'Alpine' }).expect(
      201,
    );
    expect(created.body).toEqual({ productId: expect.any(String), created: true });
    // Any GTIN form of the same code finds it; a receipt line with that GTIN matches it.
    const again = await resolve({ gtin: '04006381333986', name: 'Other name' }).expect(200);
    expect(again.body).toEqual({ productId: created.body.productId, created: false });
    const match = await matchOne({ name: 'ALPINE MILK', gtin: '4006381333986' });
    expect(match).toMatchObject({ product_id: created.body.productId, method: 'gtin' });
    const product = await request(harness.app)
      .get(`/products/${created.body.productId}`)
      .set(serviceHeaders(TEST_SERVICE_KEY, user))
      .expect(200);
    expect(product.body).toMatchObject({
      name: 'Whole Milk 1 l',
      brand: 'Alpine',
      gtins: ['04006381333986'],
    });
    await resolve({ gtin: '4006381333987', name: 'Bad check digit' }).expect(400);
    await resolve({ gtin: '4006381333986', name: 'x', size: 3 }).expect(400);
  });

  it('searches products by trigram and prefix and pages with a cursor', async () => {
    for (const flavour of ['Vanilla', 'Chocolate', 'Strawberry']) {
      await deliver(
        harness.database,
        handler,
        purchase(user.id, [
          { name: `Zebra Ice Cream ${flavour}`, brand: 'Zebra', size: { value: 1000, unit: 'ml' } },
        ]),
      );
    }
    const first = await request(harness.app)
      .get('/products?q=zebra%20ice&limit=2')
      .set(serviceHeaders(TEST_SERVICE_KEY, user))
      .expect(200);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await request(harness.app)
      .get(`/products?q=zebra%20ice&limit=2&cursor=${first.body.nextCursor}`)
      .set(serviceHeaders(TEST_SERVICE_KEY, user))
      .expect(200);
    const names = [...first.body.items, ...second.body.items].map(
      (product: { name: string }) => product.name,
    );
    expect(names.filter((name) => name.startsWith('Zebra Ice Cream')).sort()).toEqual([
      'Zebra Ice Cream Chocolate',
      'Zebra Ice Cream Strawberry',
      'Zebra Ice Cream Vanilla',
    ]);
    const typo = await request(harness.app)
      .get('/products?q=zebra%20ice%20creem%20vanila')
      .set(serviceHeaders(TEST_SERVICE_KEY, user))
      .expect(200);
    expect(typo.body.items[0].name).toBe('Zebra Ice Cream Vanilla');
  });

  it('finds a product by brand, by any GTIN form, by a typo and by a regional spelling, best first', async () => {
    await deliver(
      harness.database,
      handler,
      purchase(user.id, [
        {
          name: 'Laundry Detergent',
          brand: 'Tide',
          gtin: '0037000127864',
          size: { value: 2720, unit: 'ml' },
        },
        { name: 'Bran Flakes Cereal', brand: 'Kellogg', size: { value: 510, unit: 'g' } },
        { name: 'Greek Yogurt Plain', brand: 'Fage', size: { value: 907, unit: 'g' } },
      ]),
    );
    const search = async (q: string) => {
      const { body } = await request(harness.app)
        .get(`/products?q=${encodeURIComponent(q)}`)
        .set(serviceHeaders(TEST_SERVICE_KEY, user))
        .expect(200);
      return (body.items as Array<{ name: string }>).map((product) => product.name);
    };
    expect((await search('tide'))[0]).toBe('Laundry Detergent');
    // EAN-13, UPC-A (12 digits) and GTIN-14 forms of one code.
    for (const code of ['0037000127864', '037000127864', '00037000127864']) {
      expect((await search(code))[0]).toBe('Laundry Detergent');
    }
    // Other tests' cereals share this schema: every hit is a cereal, this one among them.
    const cereals = await search('cerael');
    expect(cereals).toContain('Bran Flakes Cereal');
    expect(cereals.every((name) => /cereal/i.test(name))).toBe(true);
    expect((await search('yoghurt'))[0]).toBe('Greek Yogurt Plain');
  });

  it('answers an exact name with that product alone, and a typo only when nothing contains the query', async () => {
    // Names whose last words share a prefix score 0.43 in word_similarity; other brands and sizes keep them apart.
    await deliver(
      harness.database,
      handler,
      purchase(user.id, [
        { name: 'Kiwi Jam QXAMLK', brand: 'Jamco', size: { value: 340, unit: 'g' } },
        { name: 'Kiwi Jam QXABCD', brand: 'Preserva', size: { value: 454, unit: 'g' } },
      ]),
    );
    const search = async (q: string, cursor?: string) => {
      const { body } = await request(harness.app)
        .get(`/products?q=${encodeURIComponent(q)}&limit=1${cursor ? `&cursor=${cursor}` : ''}`)
        .set(serviceHeaders(TEST_SERVICE_KEY, user))
        .expect(200);
      return body as { items: Array<{ name: string }>; nextCursor: string | null };
    };
    const exact = await search('qxamlk');
    expect(exact.items.map((product) => product.name)).toEqual(['Kiwi Jam QXAMLK']);
    expect(exact.nextCursor).toBeNull();
    // Nothing contains "qxamlq": the typo search answers both, best first, page by page.
    const first = await search('qxamlq');
    expect(first.items.map((product) => product.name)).toEqual(['Kiwi Jam QXAMLK']);
    expect(first.nextCursor).not.toBeNull();
    const second = await search('qxamlq', first.nextCursor ?? '');
    expect(second.items.map((product) => product.name)).toEqual(['Kiwi Jam QXABCD']);
  });

  it('lists the caller’s own products, most bought first, and no one else’s (mine=true)', async () => {
    const [buyer, other] = [testUser(), testUser()];
    const often = { name: 'Mine Often Oats', brand: 'Mine', size: { value: 500, unit: 'g' as const } };
    const once = { name: 'Mine Once Tea', brand: 'Mine', size: { value: 100, unit: 'g' as const } };
    await deliver(harness.database, handler, purchase(buyer.id, [once, often]));
    await deliver(harness.database, handler, purchase(buyer.id, [often]));
    await deliver(
      harness.database,
      handler,
      purchase(other.id, [{ name: 'Theirs Only Jam', brand: 'Theirs' }]),
    );
    const mine = async (user: { id: string; role: UserRole }) => {
      const { body } = await request(harness.app)
        .get('/products?mine=true')
        .set(serviceHeaders(TEST_SERVICE_KEY, user))
        .expect(200);
      return (body.items as Array<{ name: string }>).map((product) => product.name);
    };
    expect(await mine(buyer)).toEqual(['Mine Often Oats', 'Mine Once Tea']);
    expect(await mine(other)).toEqual(['Theirs Only Jam']);
  });

  it('rejects unknown query fields and requires a user', async () => {
    const bad = await request(harness.app)
      .get('/products?colour=red')
      .set(serviceHeaders(TEST_SERVICE_KEY, user))
      .expect(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
    expect(bad.body.error.details.issues[0].path).toBe('colour');
    await request(harness.app).get('/products').set(serviceHeaders(TEST_SERVICE_KEY)).expect(401);
    await request(harness.app)
      .get(`/products/${newId()}`)
      .set(serviceHeaders(TEST_SERVICE_KEY, user))
      .expect(404);
  });
});

describe('admin corrections', () => {
  it('merges a product into another, keeping the merged one and moving its history', async () => {
    const a = await matchOne({
      name: 'Oat Milk Original',
      brand: 'Oatly',
      gtin: '7394376616037',
      paidCents: 499,
    });
    const b = await matchOne({
      name: 'Oatly Oat Drink',
      brand: 'Oatly',
      gtin: '7394376615160',
      paidCents: 479,
    });
    for (const refused of [user, staff]) {
      await request(harness.app)
        .post(`/products/${b.product_id}/merge`)
        .set(serviceHeaders(TEST_SERVICE_KEY, refused))
        .send({ targetProductId: a.product_id })
        .expect(403);
    }
    expect(
      await harness.database.db
        .selectFrom('product')
        .select('merged_into')
        .where('id', '=', b.product_id)
        .executeTakeFirstOrThrow(),
    ).toEqual({ merged_into: null });
    const merged = await request(harness.app)
      .post(`/products/${b.product_id}/merge`)
      .set(serviceHeaders(TEST_SERVICE_KEY, admin))
      .send({ targetProductId: a.product_id })
      .expect(200);
    expect(merged.body.gtins.sort()).toEqual(['07394376615160', '07394376616037']);
    const old = await request(harness.app)
      .get(`/products/${b.product_id}`)
      .set(serviceHeaders(TEST_SERVICE_KEY, user))
      .expect(200);
    expect(old.body.mergedIntoId).toBe(a.product_id);
    const again = await matchOne({ name: 'anything', gtin: '7394376615160' });
    expect(again.product_id).toBe(a.product_id);
    const history = await harness.database.db
      .selectFrom('product_merge')
      .selectAll()
      .where('source_product_id', '=', b.product_id)
      .execute();
    expect(history).toHaveLength(1);
  });

  it('splits a wrongly matched line into a new product with its observations', async () => {
    const right = await matchOne({
      name: 'Sharp Cheddar Cheese',
      brand: 'Tillamook',
      size: { value: 227, unit: 'g' },
    });
    const wrong = await matchOne({
      name: 'Sharp Cheddar Cheese Slices',
      brand: 'Tillamook',
      size: { value: 227, unit: 'g' },
    });
    expect(wrong.product_id).toBe(right.product_id);
    const staffSplit = await request(harness.app)
      .post(`/products/${right.product_id}/split`)
      .set(serviceHeaders(TEST_SERVICE_KEY, staff))
      .send({ lineIds: [wrong.line_id], name: 'Split by store staff' })
      .expect(403);
    expect(staffSplit.body.error).toMatchObject({ code: 'FORBIDDEN', message: 'admin role required' });
    const unmoved = await harness.database.db
      .selectFrom('price_observation')
      .select('product_id')
      .where('line_id', '=', wrong.line_id)
      .executeTakeFirstOrThrow();
    expect(unmoved.product_id).toBe(right.product_id);
    const split = await request(harness.app)
      .post(`/products/${right.product_id}/split`)
      .set(serviceHeaders(TEST_SERVICE_KEY, admin))
      .send({
        lineIds: [wrong.line_id],
        name: 'Sharp Cheddar Cheese Slices',
        brand: 'Tillamook',
        size: { value: 227, unit: 'g' },
      })
      .expect(201);
    const moved = await harness.database.db
      .selectFrom('price_observation')
      .select('product_id')
      .where('line_id', '=', wrong.line_id)
      .executeTakeFirstOrThrow();
    expect(moved.product_id).toBe(split.body.id);
    await request(harness.app)
      .post(`/products/${right.product_id}/split`)
      .set(serviceHeaders(TEST_SERVICE_KEY, admin))
      .send({ lineIds: [], name: 'x' })
      .expect(400);
  });
});

describe('product attributes from evidence', () => {
  it('fills the category, brand and pack size of a product first known by its GTIN alone', async () => {
    const resolved = await request(harness.app)
      .post('/internal/products/resolve')
      .set(serviceHeaders(TEST_SERVICE_KEY))
      .send({ gtin: '4006381333931', name: 'Attribute Yogurt' })
      .expect(201);
    const { productId } = resolved.body as { productId: string };
    const before = await harness.database.db
      .selectFrom('product')
      .select(['category', 'brand', 'size_value', 'size_unit'])
      .where('id', '=', productId)
      .executeTakeFirstOrThrow();
    expect(before).toEqual({ category: null, brand: null, size_value: null, size_unit: null });

    await deliver(
      harness.database,
      handler,
      purchase(newUserId(), [
        {
          name: 'Attribute Yogurt',
          gtin: '4006381333931',
          brand: 'Fage',
          category: 'dairy',
          size: { value: 907, unit: 'g' },
        },
      ]),
    );
    const after = await harness.database.db
      .selectFrom('product')
      .select(['category', 'brand', 'size_value', 'size_unit'])
      .where('id', '=', productId)
      .executeTakeFirstOrThrow();
    expect({ ...after, size_value: Number(after.size_value) }).toEqual({
      category: 'dairy',
      brand: 'Fage',
      size_value: 907,
      size_unit: 'g',
    });
    // The unit price of that receipt is known: cents per gram.
    const observation = await harness.database.db
      .selectFrom('price_observation')
      .select('unit_price_cents')
      .where('product_id', '=', productId)
      .executeTakeFirstOrThrow();
    expect(Number(observation.unit_price_cents)).toBeCloseTo(399 / 907, 6);

    // A later line stating another category or size changes nothing already set.
    await deliver(
      harness.database,
      handler,
      purchase(newUserId(), [
        {
          name: 'Attribute Yogurt',
          gtin: '4006381333931',
          category: 'snacks',
          size: { value: 500, unit: 'g' },
        },
      ]),
    );
    const kept = await harness.database.db
      .selectFrom('product')
      .select(['category', 'size_value'])
      .where('id', '=', productId)
      .executeTakeFirstOrThrow();
    expect({ ...kept, size_value: Number(kept.size_value) }).toEqual({ category: 'dairy', size_value: 907 });
  });
});

describe('user deletion', () => {
  it('purges the user’s purchase matches and replaces their id on observations with a pseudonym', async () => {
    const leaving = newUserId();
    const data = purchase(leaving, [
      { name: 'Leaving Bread', brand: 'Acme', size: { value: 500, unit: 'g' } },
    ]);
    await deliver(harness.database, handler, data);
    await deliver(harness.database, userDeletedHandler, { userId: leaving });
    expect(await matchesOf(data.purchaseId)).toEqual([]);
    const observations = await harness.database.db
      .selectFrom('price_observation')
      .select('user_id')
      .where('line_id', '=', data.items[0]?.lineId ?? '')
      .execute();
    // docs/privacy.md: one pseudonym per deleted account, never the account id.
    expect(observations).toHaveLength(1);
    expect(observations[0]?.user_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(observations[0]?.user_id).not.toBe(leaving);
    const linked = await harness.database.db
      .selectFrom('price_observation')
      .select('id')
      .where('user_id', '=', leaving)
      .execute();
    expect(linked).toEqual([]);
  });
});
