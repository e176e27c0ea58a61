import type { UserRole } from '@cartwatch/common-types';
import { newId } from '@cartwatch/db';
import { serviceHeaders, TEST_SERVICE_KEY, testUser } from '@cartwatch/testing';
import { sql } from 'kysely';
import { pino } from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogPriceSetHandler } from '../src/events/catalog-price-set.handler.js';
import { couponPublishedHandler } from '../src/events/coupon-published.handler.js';
import { purchaseRecordedHandler } from '../src/events/purchase-recorded.handler.js';
import { shrinkflationDetectedHandler } from '../src/events/shrinkflation-detected.handler.js';
import { userDeletedHandler } from '../src/events/user-deleted.handler.js';
import {
  deliver,
  type ItemInput,
  type PriceWatchHarness,
  purchase,
  shared,
  startPriceWatch,
} from './support.js';

let harness: PriceWatchHarness;
const purchased = purchaseRecordedHandler({ threshold: 0.55 }, shared);
const priceSet = catalogPriceSetHandler(pino({ level: 'silent' }), shared);
let clock = Date.now() - 3_600_000;
/** Strictly increasing instants within the last hour, so every price is the newest. */
function tick(): string {
  clock += 1000;
  return new Date(clock).toISOString();
}

beforeAll(async () => {
  harness = await startPriceWatch('pw_alerts');
});
afterAll(() => harness.close());

/** A product bought by `buyer` (or created by a purchase of a throwaway user). */
async function productBoughtBy(buyerId: string, item: ItemInput, storeSlug = 'kroger'): Promise<string> {
  const data = purchase(buyerId, [item], { storeSlug, purchasedAt: tick() });
  await deliver(harness.database, purchased, data);
  const match = await harness.database.db
    .selectFrom('purchase_line_match')
    .select('product_id')
    .where('line_id', '=', data.items[0]?.lineId ?? '')
    .executeTakeFirstOrThrow();
  return match.product_id;
}

async function setPrice(productId: string, priceCents: number, storeSlug = 'kroger') {
  await deliver(harness.database, priceSet, {
    locationId: newId(),
    storeSlug,
    productId,
    priceCents,
    currency: 'USD',
    effectiveAt: tick(),
  });
}

async function alertsOf(user: { id: string; role: UserRole }, kind?: string) {
  const response = await request(harness.app)
    .get('/alerts?limit=100')
    .set(serviceHeaders(TEST_SERVICE_KEY, user))
    .expect(200);
  const items = response.body.items as {
    id: string;
    kind: string;
    productId: string | null;
    title: string;
  }[];
  return kind ? items.filter((alert) => alert.kind === kind) : items;
}

async function watch(user: { id: string; role: UserRole }, body: Record<string, unknown>) {
  const response = await request(harness.app)
    .post('/watches')
    .set(serviceHeaders(TEST_SERVICE_KEY, user))
    .send(body)
    .expect(201);
  return response.body as { id: string };
}

describe('target price alerts', () => {
  it('fires once when the target is reached and re-arms only after the price goes back above it', async () => {
    const user = testUser();
    const productId = await productBoughtBy(testUser().id, {
      name: 'Rearm Coffee Beans',
      brand: 'Rearm',
      paidCents: 350,
    });
    await watch(user, { productId, targetPriceCents: 300 });
    await setPrice(productId, 290);
    await setPrice(productId, 280);
    expect(await alertsOf(user, 'target-price')).toHaveLength(1);
    await setPrice(productId, 320);
    expect(await alertsOf(user, 'target-price')).toHaveLength(1);
    await setPrice(productId, 295);
    const alerts = await alertsOf(user, 'target-price');
    expect(alerts).toHaveLength(2);
    expect(alerts[0]?.title).toContain('Rearm Coffee Beans');
  });

  it('a paused product watch alerts nothing until it is resumed', async () => {
    const user = testUser();
    const productId = await productBoughtBy(testUser().id, {
      name: 'Paused Oat Milk',
      brand: 'Pausa',
      paidCents: 350,
    });
    const { id } = await watch(user, { productId, targetPriceCents: 300, paused: true });
    await setPrice(productId, 290);
    expect(await alertsOf(user, 'target-price')).toHaveLength(0);
    await request(harness.app)
      .patch(`/watches/${id}`)
      .set(serviceHeaders(TEST_SERVICE_KEY, user))
      .send({ paused: false })
      .expect(200);
    await setPrice(productId, 285);
    expect(await alertsOf(user, 'target-price')).toHaveLength(1);
  });

  it('caps alerts per user and product per day', async () => {
    const user = testUser();
    await request(harness.app)
      .put('/alerts/settings')
      .set(serviceHeaders(TEST_SERVICE_KEY, user))
      .send({ dailyCapPerProduct: 2 })
      .expect(200);
    const productId = await productBoughtBy(testUser().id, {
      name: 'Capped Tea',
      brand: 'Cap',
      paidCents: 500,
    });
    await watch(user, { productId, targetPriceCents: 400 });
    for (const price of [390, 450, 380, 460, 370]) await setPrice(productId, price);
    expect(await alertsOf(user)).toHaveLength(2);
    const settings = await request(harness.app)
      .get('/alerts/settings')
      .set(serviceHeaders(TEST_SERVICE_KEY, user))
      .expect(200);
    expect(settings.body.dailyCapPerProduct).toBe(2);
  });

  it('alerts a drop against the last check and against the 90-day median', async () => {
    const user = testUser();
    const productId = await productBoughtBy(testUser().id, {
      name: 'Median Olive Oil',
      brand: 'Med',
      paidCents: 1000,
    });
    await watch(user, { productId, dropPct: 20 });
    // The store's $10.00 two days and one day before the test's clock (one shared price per store and day),
    // $7.00 on the clock's day. Counted from the clock, not from now: the clock runs up to an hour behind
    // now, so between 00:00 and 01:00 UTC "now minus a day" is the clock's own day.
    for (const days of [2, 1]) {
      await deliver(harness.database, priceSet, {
        locationId: newId(),
        storeSlug: 'kroger',
        productId,
        priceCents: 1000,
        currency: 'USD',
        effectiveAt: new Date(clock - days * 86_400_000).toISOString(),
      });
    }
    await setPrice(productId, 700);
    const drops = await alertsOf(user, 'price-drop');
    expect(drops.map((alert) => alert.title).sort()).toEqual([
      'Median Olive Oil dropped 30%',
      expect.stringContaining('below its 90-day median'),
    ]);
    // alert.created carries the size of the change, for the gateway's per-type minimum (issue #22).
    const { rows } = await sql<{ payload: { data: { alertId: string; changePct?: number } } }>`
      select payload from outbox where type = 'alert.created.v1'`.execute(harness.database.db);
    const published = rows.find(
      (row) => row.payload.data.alertId === drops.find((d) => d.title.endsWith('30%'))?.id,
    );
    expect(published?.payload.data.changePct).toBeCloseTo(30, 6);
  });
});

describe('who gets alerts', () => {
  it('creates no alert for other users and hides one user’s alerts and watches from another', async () => {
    const owner = testUser();
    const other = testUser();
    const productId = await productBoughtBy(testUser().id, {
      name: 'Private Honey',
      brand: 'Priv',
      paidCents: 800,
    });
    const created = await watch(owner, { productId, targetPriceCents: 700 });
    await setPrice(productId, 650);
    const [alert] = await alertsOf(owner);
    expect(alert).toBeDefined();
    expect(await alertsOf(other)).toEqual([]);
    const asOther = serviceHeaders(TEST_SERVICE_KEY, other);
    await request(harness.app).post(`/alerts/${alert?.id}/read`).set(asOther).expect(404);
    await request(harness.app).get(`/watches/${created.id}`).set(asOther).expect(404);
    await request(harness.app)
      .patch(`/watches/${created.id}`)
      .set(asOther)
      .send({ targetPriceCents: 1 })
      .expect(404);
    await request(harness.app).delete(`/watches/${created.id}`).set(asOther).expect(404);
    await request(harness.app).get(`/watches/${created.id}/runs`).set(asOther).expect(404);
    const read = await request(harness.app)
      .post(`/alerts/${alert?.id}/read`)
      .set(serviceHeaders(TEST_SERVICE_KEY, owner))
      .expect(200);
    expect(read.body.read).toBe(true);
    const unread = await request(harness.app)
      .get('/alerts?unread=true')
      .set(serviceHeaders(TEST_SERVICE_KEY, owner))
      .expect(200);
    expect(unread.body.items).toEqual([]);
  });

  it('alerts buyers, and only buyers, when a store raises the price past their threshold', async () => {
    const buyer = testUser();
    const bystander = testUser();
    const productId = await productBoughtBy(
      buyer.id,
      { name: 'Increase Butter', brand: 'Inc', paidCents: 400 },
      'aldi',
    );
    await setPrice(productId, 420, 'aldi'); // +5%: below the default 10%
    expect(await alertsOf(buyer, 'price-increase')).toEqual([]);
    await setPrice(productId, 500, 'aldi'); // +19%
    const increases = await alertsOf(buyer, 'price-increase');
    expect(increases).toHaveLength(1);
    expect(increases[0]?.title).toBe('Increase Butter went up 19% at aldi');
    expect(await alertsOf(bystander)).toEqual([]);
  });

  it('sends shrinkflation alerts only to buyers of the product, once per detection', async () => {
    const buyer = testUser();
    const bystander = testUser();
    const productId = await productBoughtBy(buyer.id, {
      name: 'Shrink Chips',
      brand: 'Shr',
      size: { value: 280, unit: 'g' },
    });
    await productBoughtBy(bystander.id, {
      name: 'Other Crackers',
      brand: 'Oth',
      size: { value: 200, unit: 'g' },
    });
    const detection = {
      shrinkflationId: newId(),
      productId,
      oldSize: { value: 280, unit: 'g' as const },
      newSize: { value: 255, unit: 'g' as const },
      unitPriceChangePct: 9.8,
      confidence: 0.9,
    };
    await deliver(harness.database, shrinkflationDetectedHandler, detection);
    await deliver(harness.database, shrinkflationDetectedHandler, detection);
    const alerts = await alertsOf(buyer, 'shrinkflation');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ productId, title: 'Shrink Chips shrank' });
    expect(await alertsOf(bystander, 'shrinkflation')).toEqual([]);
  });

  it('sends coupon alerts only to users who buy what the coupon covers', async () => {
    const buyer = testUser();
    const brandBuyer = testUser();
    const bystander = testUser();
    const productId = await productBoughtBy(buyer.id, {
      name: 'Coupon Cereal',
      brand: 'Crunchy',
      paidCents: 450,
    });
    await productBoughtBy(brandBuyer.id, { name: 'Crunchy Granola Bars', brand: 'Crunchy', paidCents: 350 });
    await productBoughtBy(bystander.id, { name: 'Plain Rice Cakes', brand: 'Puffy', paidCents: 250 });
    await deliver(harness.database, couponPublishedHandler, {
      couponId: newId(),
      scope: { kind: 'product', productId },
      title: '$1 off Coupon Cereal',
      validFrom: new Date().toISOString(),
    });
    await deliver(harness.database, couponPublishedHandler, {
      couponId: newId(),
      scope: { kind: 'brand', brand: 'crunchy' },
      title: '20% off Crunchy',
      validFrom: new Date().toISOString(),
    });
    expect((await alertsOf(buyer, 'coupon')).map((alert) => alert.title).sort()).toEqual([
      'New coupon: $1 off Coupon Cereal',
      'New coupon: 20% off Crunchy',
    ]);
    expect((await alertsOf(brandBuyer, 'coupon')).map((alert) => alert.title)).toEqual([
      'New coupon: 20% off Crunchy',
    ]);
    expect(await alertsOf(bystander, 'coupon')).toEqual([]);
  });

  it('purges a deleted user’s watches, alerts and settings', async () => {
    const user = testUser();
    const productId = await productBoughtBy(user.id, { name: 'Deleted Jam', brand: 'Del', paidCents: 300 });
    await watch(user, { productId, targetPriceCents: 250 });
    await setPrice(productId, 200);
    expect(await alertsOf(user)).not.toEqual([]);
    await deliver(harness.database, userDeletedHandler, { userId: user.id });
    expect(await alertsOf(user)).toEqual([]);
    const watches = await request(harness.app)
      .get('/watches')
      .set(serviceHeaders(TEST_SERVICE_KEY, user))
      .expect(200);
    expect(watches.body.items).toEqual([]);
  });
});

describe('watch requests', () => {
  it('validates watch bodies strictly', async () => {
    const user = testUser();
    const headers = serviceHeaders(TEST_SERVICE_KEY, user);
    const both = await request(harness.app)
      .post('/watches')
      .set(headers)
      .send({ productId: newId(), url: 'https://example.com/p' })
      .expect(400);
    expect(both.body.error.code).toBe('VALIDATION_FAILED');
    await request(harness.app).post('/watches').set(headers).send({ url: 'ftp://example.com/p' }).expect(400);
    await request(harness.app)
      .post('/watches')
      .set(headers)
      .send({ url: 'https://example.com/p', colour: 'red' })
      .expect(400);
    await request(harness.app).post('/watches').set(headers).send({ productId: newId() }).expect(404);
    const created = await watch(user, { url: 'https://example.com/p', targetPriceCents: 999 });
    const patched = await request(harness.app)
      .patch(`/watches/${created.id}`)
      .set(headers)
      .send({ targetPriceCents: null, dropPct: 10 })
      .expect(200);
    expect(patched.body).toMatchObject({ targetPriceCents: null, dropPct: 10 });
    await request(harness.app).delete(`/watches/${created.id}`).set(headers).expect(204);
    await request(harness.app).get(`/watches/${created.id}`).set(headers).expect(404);
  });
});
