/**
 * Issue #21 at the service: one shopper's receipts drive their own prices and alerts, never the shared
 * ones (docs/price-watch.md, "Consensus prices"); observations dated ahead are refused.
 */
import type { UserRole } from '@cartwatch/common-types';
import { newId } from '@cartwatch/db';
import { serviceHeaders, TEST_SERVICE_KEY, testAdmin, testStaff, testUser } from '@cartwatch/testing';
import { pino } from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogPriceSetHandler } from '../src/events/catalog-price-set.handler.js';
import { purchaseRecordedHandler } from '../src/events/purchase-recorded.handler.js';
import { shrinkflationDetectedHandler } from '../src/events/shrinkflation-detected.handler.js';
import { userDeletedHandler } from '../src/events/user-deleted.handler.js';
import { deliver, type PriceWatchHarness, purchase, shared, startPriceWatch } from './support.js';

let harness: PriceWatchHarness;
const purchased = purchaseRecordedHandler({ threshold: 0.55 }, shared);
const priceSet = catalogPriceSetHandler(pino({ level: 'silent' }), shared);
const HOUR_MS = 3_600_000;

beforeAll(async () => {
  harness = await startPriceWatch('pw_consensus');
});
afterAll(() => harness.close());

type User = { id: string; role: UserRole };

async function buy(user: User, item: { name: string; gtin: string; paidCents: number }, at: string) {
  const data = purchase(user.id, [{ ...item, brand: 'Trust' }], {
    storeSlug: 'fresh-fields',
    purchasedAt: at,
  });
  await deliver(harness.database, purchased, data);
  const match = await harness.database.db
    .selectFrom('purchase_line_match')
    .select('product_id')
    .where('line_id', '=', data.items[0]?.lineId ?? '')
    .executeTakeFirstOrThrow();
  return match.product_id;
}

async function catalogPrice(productId: string, priceCents: number, at: string) {
  await deliver(harness.database, priceSet, {
    locationId: newId(),
    storeSlug: 'fresh-fields',
    productId,
    priceCents,
    currency: 'USD',
    effectiveAt: at,
  });
}

async function publicPrices(productId: string) {
  const { body } = await request(harness.app)
    .get(`/public/store-comparison?productIds=${productId}`)
    .set(serviceHeaders(TEST_SERVICE_KEY))
    .expect(200);
  return (body.stores as Array<{ storeSlug: string; totalCents: number }>).map((store) => [
    store.storeSlug,
    store.totalCents,
  ]);
}

async function detail(user: User, productId: string) {
  const { body } = await request(harness.app)
    .get(`/products/${productId}`)
    .set(serviceHeaders(TEST_SERVICE_KEY, user))
    .expect(200);
  return body as { prices: Array<{ storeSlug: string; priceCents: number }> };
}

async function alertsOf(user: User) {
  const { body } = await request(harness.app)
    .get('/alerts?limit=100')
    .set(serviceHeaders(TEST_SERVICE_KEY, user))
    .expect(200);
  return body.items as Array<{ kind: string; title: string; body: string }>;
}

async function watch(user: User, body: Record<string, unknown>) {
  await request(harness.app)
    .post('/watches')
    .set(serviceHeaders(TEST_SERVICE_KEY, user))
    .send(body)
    .expect(201);
}

const ago = (hours: number) => new Date(Date.now() - hours * HOUR_MS).toISOString();

describe('one shopper’s extreme price', () => {
  it('moves neither the public comparison nor another user’s watch; the shopper sees it and is alerted', async () => {
    const [seed, cheat, watcher] = [testUser(), testUser(), testUser()];
    const productId = await buy(
      seed,
      { name: 'Trust Bananas', gtin: '0000000021019', paidCents: 69 },
      ago(10),
    );
    await catalogPrice(productId, 69, ago(9));
    expect(await publicPrices(productId)).toEqual([['fresh-fields', 69]]);
    await watch(watcher, { productId, targetPriceCents: 50 });
    await watch(cheat, { productId, targetPriceCents: 50 });

    await buy(cheat, { name: 'Trust Bananas', gtin: '0000000021019', paidCents: 1 }, ago(1));

    expect(await publicPrices(productId)).toEqual([['fresh-fields', 69]]);
    expect((await detail(watcher, productId)).prices).toMatchObject([
      { storeSlug: 'fresh-fields', priceCents: 69 },
    ]);
    expect(await alertsOf(watcher)).toEqual([]);
    // The contributor's own view and own watch follow their own receipt.
    expect((await detail(cheat, productId)).prices).toMatchObject([
      { storeSlug: 'fresh-fields', priceCents: 1 },
    ]);
    expect((await alertsOf(cheat)).map((alert) => alert.kind)).toEqual(['target-price']);

    // The admins' queue of suspicious prices lists it; a shopper and a retailer's staff get 403.
    const queue = await request(harness.app)
      .get('/prices/moderation?limit=200')
      .set(serviceHeaders(TEST_SERVICE_KEY, testAdmin()))
      .expect(200);
    expect(
      queue.body.items.find((item: { productId: string }) => item.productId === productId),
    ).toMatchObject({
      priceCents: 1,
      sharedPriceCents: 69,
      contributorId: cheat.id,
      storeSlug: 'fresh-fields',
    });
    for (const user of [watcher, testStaff('fresh-fields')]) {
      await request(harness.app)
        .get('/prices/moderation')
        .set(serviceHeaders(TEST_SERVICE_KEY, user))
        .expect(403);
    }
  });

  it('shares a receipt price once three contributors agree, and alerts the others then', async () => {
    const [a, b, c, watcher] = [testUser(), testUser(), testUser(), testUser()];
    const item = { name: 'Trust Oat Milk', gtin: '0000000021026', paidCents: 240 };
    const productId = await buy(a, item, ago(30));
    await watch(watcher, { productId, targetPriceCents: 250 });
    expect(await publicPrices(productId)).toEqual([]);
    await buy(b, { ...item, paidCents: 245 }, ago(20));
    expect(await publicPrices(productId)).toEqual([]);
    expect(await alertsOf(watcher)).toEqual([]);
    await buy(c, { ...item, paidCents: 239 }, ago(10));
    // The median of the three contributors.
    expect(await publicPrices(productId)).toEqual([['fresh-fields', 240]]);
    expect((await alertsOf(watcher)).map((alert) => alert.body)).toEqual(['Now $2.40 (target $2.50).']);
  });
});

describe('dates ahead', () => {
  it('refuses an observation dated more than a day ahead and dates a few hours ahead at now', async () => {
    const seed = testUser();
    const productId = await buy(seed, { name: 'Trust Rice', gtin: '0000000021033', paidCents: 300 }, ago(5));
    await catalogPrice(productId, 300, ago(4));
    await catalogPrice(productId, 1, '2099-01-01T00:00:00Z');
    const observations = await harness.database.db
      .selectFrom('price_observation')
      .select(['price_cents', 'observed_at'])
      .where('product_id', '=', productId)
      .execute();
    expect(observations.map((row) => Number(row.price_cents)).sort()).toEqual([300, 300]);

    const before = Date.now();
    await catalogPrice(productId, 290, new Date(Date.now() + 20 * HOUR_MS).toISOString());
    const ahead = await harness.database.db
      .selectFrom('price_observation')
      .select('observed_at')
      .where('product_id', '=', productId)
      .where('price_cents', '=', 290)
      .executeTakeFirstOrThrow();
    expect(ahead.observed_at.getTime()).toBeLessThanOrEqual(Date.now());
    expect(ahead.observed_at.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(await publicPrices(productId)).toEqual([['fresh-fields', 290]]);
    // A later store price is the latest: nothing dated ahead pins it.
    await catalogPrice(productId, 310, new Date().toISOString());
    expect(await publicPrices(productId)).toEqual([['fresh-fields', 310]]);
  });
});

describe('account deletion', () => {
  it('keeps a consensus standing (pseudonymous contributors) and unlinks the account', async () => {
    const [a, b, c] = [testUser(), testUser(), testUser()];
    const item = { name: 'Trust Lentils', gtin: '0000000021040', paidCents: 199 };
    const productId = await buy(a, item, ago(3));
    await buy(b, item, ago(2));
    await buy(c, item, ago(1));
    expect(await publicPrices(productId)).toEqual([['fresh-fields', 199]]);
    await deliver(harness.database, userDeletedHandler, { userId: a.id });
    const rows = await harness.database.db
      .selectFrom('price_observation')
      .select('user_id')
      .where('product_id', '=', productId)
      .execute();
    expect(rows.map((row) => row.user_id)).not.toContain(a.id);
    expect(new Set(rows.map((row) => row.user_id)).size).toBe(3);
    // A fourth contributor recomputes the consensus: the deleted account still counts once.
    await buy(testUser(), { ...item, paidCents: 205 }, ago(0.5));
    expect(await publicPrices(productId)).toEqual([['fresh-fields', 199]]);
  });
});

describe('a shrinkflation claim resting on its contributors alone', () => {
  it('alerts only its audience among the buyers (docs/shrinkflation.md)', async () => {
    const [claimant, otherBuyer] = [testUser(), testUser()];
    const item = { name: 'Trust Crisps', gtin: '0000000021057', paidCents: 299 };
    const productId = await buy(claimant, item, ago(3));
    await buy(otherBuyer, item, ago(2));
    await deliver(harness.database, shrinkflationDetectedHandler, {
      shrinkflationId: newId(),
      productId,
      storeSlug: 'fresh-fields',
      oldSize: { value: 200, unit: 'g' },
      newSize: { value: 170, unit: 'g' },
      unitPriceChangePct: 17.6,
      confidence: 1,
      audienceUserIds: [claimant.id],
    });
    expect((await alertsOf(claimant)).map((alert) => alert.kind)).toEqual(['shrinkflation']);
    expect(await alertsOf(otherBuyer)).toEqual([]);
  });
});
