import type { UserRole } from '@cartwatch/common-types';
/** POST /shopping/optimize against the price read model and stored coupons. */
import { newId } from '@cartwatch/db';
import { serviceHeaders, TEST_SERVICE_KEY, testAdmin, testUser } from '@cartwatch/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findApplicableCoupons } from '../src/coupons/coupon.repository.js';
import { type CouponTestContext, nextWeek, seedPrice, setUpCouponTest, yesterday } from './support.js';

let ctx: CouponTestContext;
const admin = testAdmin();
const shopper = testUser();
const otherShopper = testUser();
const as = (user: { id: string; role: UserRole }) => serviceHeaders(TEST_SERVICE_KEY, user);

// Three products priced at three stores (unique slugs per file keep other tests' data apart).
const milk = newId();
const bread = newId();
const coffee = newId();
const caviar = newId();

beforeAll(async () => {
  ctx = await setUpCouponTest('coupon_optimize');
  const prices: [string, string, number, number][] = [
    [milk, 'opt-a', 300, 2],
    [milk, 'opt-b', 350, 5],
    [milk, 'opt-c', 320, 1],
    [bread, 'opt-a', 250, 2],
    [bread, 'opt-b', 200, 5],
    [bread, 'opt-c', 260, 1],
    [coffee, 'opt-a', 900, 2],
    [coffee, 'opt-b', 950, 5],
    [coffee, 'opt-c', 700, 1],
  ];
  for (const [productId, storeSlug, priceCents, daysAgo] of prices) {
    await seedPrice(
      ctx.database,
      { productId, storeSlug, priceCents, brand: 'Acme', category: 'pantry' },
      daysAgo,
    );
  }
});
afterAll(() => ctx?.close());

const items = [
  { productId: milk, quantity: 2 },
  { productId: bread, quantity: 1 },
  { productId: coffee, quantity: 1 },
];

describe('POST /shopping/optimize', () => {
  it('splits a list over two stores exactly and reports savings and price freshness', async () => {
    const response = await request(ctx.app)
      .post('/shopping/optimize')
      .set(as(shopper))
      .send({
        items: [...items, { text: 'flowers' }, { productId: caviar }],
        maxStores: 2,
        useCoupons: false,
      })
      .expect(200);
    const plan = response.body;
    // bread at opt-b 200; milk x2 640 and coffee 700 at opt-c (a+c would be 600+250+700 = 1550).
    expect(plan.totalCents).toBe(1540);
    expect(plan.stores.map((store: { storeSlug: string }) => store.storeSlug)).toEqual(['opt-b', 'opt-c']);
    expect(plan.stores[1].items.map((line: { productId: string }) => line.productId).sort()).toEqual(
      [milk, coffee].sort(),
    );
    // Single stores: a 600+250+900=1750, b 700+200+950=1850, c 640+260+700=1600.
    expect(plan.bestSingleStore).toEqual({ storeSlug: 'opt-c', totalCents: 1600 });
    expect(plan.savingsVsBestSingleStoreCents).toBe(60);
    expect(plan.averageSingleStoreCents).toBe(1733);
    expect(plan.savingsVsAverageCents).toBe(193);
    expect(plan.unpricedItems).toEqual([
      { productId: null, text: 'flowers', quantity: 1, reason: 'free-text' },
      { productId: caviar, text: null, quantity: 1, reason: 'no-price' },
    ]);
    const milkLine = plan.stores[1].items.find((line: { productId: string }) => line.productId === milk);
    expect(milkLine).toMatchObject({ unitPriceCents: 320, shelfCents: 640, lineCents: 640, priceAgeDays: 1 });
    // bread's opt-b price is the oldest in the plan (5 days).
    expect(plan.stores[0].items[0]).toMatchObject({ productId: bread, priceAgeDays: 5 });
    expect(Date.parse(plan.oldestPriceObservedAt)).toBe(Date.parse(plan.stores[0].items[0].observedAt));
  });

  it('plans with one shopper’s receipt price for that shopper only (docs/price-watch.md)', async () => {
    // A third shopper's receipt: 1¢ milk at opt-a today. Hearsay for everyone else.
    const cheat = testUser();
    await seedPrice(
      ctx.database,
      { productId: milk, storeSlug: 'opt-a', priceCents: 1, source: 'receipt' },
      0,
      cheat.id,
    );
    const plan = async (user: { id: string; role: UserRole }) =>
      (
        await request(ctx.app)
          .post('/shopping/optimize')
          .set(as(user))
          .send({ items, maxStores: 1, useCoupons: false })
          .expect(200)
      ).body;
    const others = await plan(shopper);
    expect(others.totalCents).toBe(1600);
    expect(others.stores[0].storeSlug).toBe('opt-c');
    const own = await plan(cheat);
    // opt-a with the shopper's own 1¢ milk: 2 + 250 + 900.
    expect(own.stores[0]).toMatchObject({ storeSlug: 'opt-a', totalCents: 1152 });
  });

  it('uses one store when maxStores is 1', async () => {
    const response = await request(ctx.app)
      .post('/shopping/optimize')
      .set(as(shopper))
      .send({ items, maxStores: 1, useCoupons: false })
      .expect(200);
    expect(response.body.totalCents).toBe(1600);
    expect(response.body.stores).toHaveLength(1);
  });

  it('applies line and spend-threshold coupons, and clippedOnly leaves out unclipped ones', async () => {
    const bogoMilk = await request(ctx.app)
      .post('/coupons')
      .set(as(admin))
      .send({
        storeSlug: 'opt-b',
        scope: { kind: 'product', productId: milk },
        type: 'bogo',
        validFrom: yesterday(),
        validTo: nextWeek(),
        requiresClip: true,
        title: 'Milk BOGO',
      })
      .expect(201);
    await request(ctx.app)
      .post('/coupons')
      .set(as(admin))
      .send({
        storeSlug: 'opt-b',
        scope: { kind: 'store' },
        type: 'spend_threshold',
        thresholdCents: 1500,
        amountOffCents: 300,
        validFrom: yesterday(),
        title: 'Spend $15 save $3',
      })
      .expect(201);
    // At opt-b: milk 700-350=350, bread 200, coffee 950 -> 1500, meets 1500 -> 1200.
    const withCoupons = await request(ctx.app)
      .post('/shopping/optimize')
      .set(as(shopper))
      .send({ items, maxStores: 1, stores: ['opt-a', 'opt-b', 'opt-c'] })
      .expect(200);
    expect(withCoupons.body.totalCents).toBe(1200);
    const store = withCoupons.body.stores[0];
    expect(store).toMatchObject({ storeSlug: 'opt-b', subtotalCents: 1500, totalCents: 1200 });
    expect(store.spendCoupon).toMatchObject({ title: 'Spend $15 save $3', discountCents: 300 });
    const milkLine = store.items.find((line: { productId: string }) => line.productId === milk);
    expect(milkLine.coupon).toMatchObject({
      couponId: bogoMilk.body.id,
      discountCents: 350,
      requiresClip: true,
      clipped: false,
    });

    // Without the (unclipped) BOGO, opt-b is 700+200+950=1850-300=1550: opt-c at 1600 loses, b wins at 1550.
    const clippedOnly = await request(ctx.app)
      .post('/shopping/optimize')
      .set(as(shopper))
      .send({ items, maxStores: 1, clippedOnly: true })
      .expect(200);
    expect(clippedOnly.body.totalCents).toBe(1550);

    await request(ctx.app).post(`/coupons/${bogoMilk.body.id}/clip`).set(as(shopper)).expect(200);
    const afterClip = await request(ctx.app)
      .post('/shopping/optimize')
      .set(as(shopper))
      .send({ items, maxStores: 1, clippedOnly: true })
      .expect(200);
    expect(afterClip.body.totalCents).toBe(1200);
    expect(
      afterClip.body.stores[0].items.find((line: { productId: string }) => line.productId === milk).coupon
        .clipped,
    ).toBe(true);
  });

  it('optimizes a saved list of the caller', async () => {
    const list = await request(ctx.app)
      .post('/shopping/lists')
      .set(as(shopper))
      .send({ name: 'coffee run', items: [{ productId: coffee, quantity: 1 }] })
      .expect(201);
    const response = await request(ctx.app)
      .post('/shopping/optimize')
      .set(as(shopper))
      .send({ listId: list.body.id, maxStores: 1, useCoupons: false })
      .expect(200);
    expect(response.body.totalCents).toBe(700);

    const empty = await request(ctx.app)
      .post('/shopping/lists')
      .set(as(shopper))
      .send({ name: 'nothing yet' })
      .expect(201);
    const emptyPlan = await request(ctx.app)
      .post('/shopping/optimize')
      .set(as(shopper))
      .send({ listId: empty.body.id, maxStores: 1 })
      .expect(200);
    expect(emptyPlan.body).toMatchObject({ totalCents: 0, stores: [], unpricedItems: [] });
  });

  it('reads only coupons that can touch the list, with the caller’s own clips', async () => {
    const tea = newId();
    const soap = newId();
    await seedPrice(ctx.database, {
      productId: tea,
      storeSlug: 'opt-t',
      priceCents: 1000,
      brand: 'Leaf',
      category: 'Drinks',
    });
    await seedPrice(ctx.database, { productId: soap, storeSlug: 'opt-u', priceCents: 500 });
    const create = async (body: Record<string, unknown>): Promise<string> => {
      const created = await request(ctx.app)
        .post('/coupons')
        .set(as(admin))
        .send({ validFrom: yesterday(), title: 'scoped', ...body })
        .expect(201);
      return created.body.id;
    };
    // Applicable: a brand coupon at every store (case differs), a clip-only category one, a spend threshold.
    const brand = await create({
      scope: { kind: 'brand', brand: 'LEAF' },
      type: 'fixed',
      amountOffCents: 100,
    });
    const category = await create({
      storeSlug: 'opt-t',
      scope: { kind: 'category', category: 'drinks' },
      type: 'percent',
      percentOff: 20,
      requiresClip: true,
    });
    const spend = await create({
      storeSlug: 'opt-t',
      scope: { kind: 'store' },
      type: 'spend_threshold',
      thresholdCents: 500,
      amountOffCents: 50,
    });
    // Not applicable: another product, a store pricing nothing on the list, another currency, expired.
    await create({
      storeSlug: 'opt-t',
      scope: { kind: 'product', productId: soap },
      type: 'fixed',
      amountOffCents: 90,
    });
    await create({
      storeSlug: 'opt-u',
      scope: { kind: 'store' },
      type: 'spend_threshold',
      thresholdCents: 100,
      amountOffCents: 90,
    });
    await create({
      storeSlug: 'opt-t',
      scope: { kind: 'product', productId: tea },
      type: 'fixed',
      amountOffCents: 90,
      currency: 'EUR',
    });
    await create({
      storeSlug: 'opt-t',
      scope: { kind: 'product', productId: tea },
      type: 'fixed',
      amountOffCents: 90,
      validFrom: new Date(Date.now() - 14 * 86_400_000).toISOString(),
      validTo: yesterday(),
    });
    await request(ctx.app).post(`/coupons/${category}/clip`).set(as(otherShopper)).expect(200);

    const read = (userId: string) =>
      findApplicableCoupons(ctx.database.db, { userId, productIds: [tea], currency: 'USD', now: new Date() });
    const forShopper = await read(shopper.id);
    expect(forShopper.map((coupon) => coupon.id).sort()).toEqual([brand, category, spend].sort());
    expect(forShopper.find((coupon) => coupon.id === category)?.clipped).toBe(false);
    const forOther = await read(otherShopper.id);
    expect(forOther.find((coupon) => coupon.id === category)?.clipped).toBe(true);

    // tea 1000 - 20 % = 800 (beats 900 with the brand coupon), >= 500 so 50 off: 750.
    const optimize = (user: typeof shopper) =>
      request(ctx.app)
        .post('/shopping/optimize')
        .set(as(user))
        .send({ items: [{ productId: tea, quantity: 1 }], maxStores: 1, clippedOnly: true })
        .expect(200);
    expect((await optimize(otherShopper)).body.totalCents).toBe(750);
    // The other user's clip is not the shopper's: the brand coupon's 900 - 50 = 850.
    const unclipped = await optimize(shopper);
    expect(unclipped.body.totalCents).toBe(850);
    expect(unclipped.body.stores[0].items[0].coupon).toMatchObject({ couponId: brand, discountCents: 100 });
  });

  it('rejects a request with both listId and items, or unknown fields', async () => {
    const response = await request(ctx.app)
      .post('/shopping/optimize')
      .set(as(shopper))
      .send({ listId: newId(), items, maxStores: 9, greedy: true })
      .expect(400);
    const paths = response.body.error.details.issues.map((issue: { path: string }) => issue.path);
    expect(paths).toEqual(expect.arrayContaining(['greedy', 'maxStores']));
  });
});
