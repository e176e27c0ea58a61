/**
 * Issue #21: a shopper's price chart and their watches' 90-day median rest on the shared prices plus
 * that shopper's own observations (docs/price-watch.md, "What a shopper sees"): another shopper's single
 * receipt moves neither, while that contributor still sees their own price in their own chart.
 */
import { newId } from '@cartwatch/db';
import { serviceHeaders, TEST_SERVICE_KEY, testUser } from '@cartwatch/testing';
import { pino } from 'pino';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogPriceSetHandler } from '../src/events/catalog-price-set.handler.js';
import { purchaseRecordedHandler } from '../src/events/purchase-recorded.handler.js';
import { deliver, type PriceWatchHarness, purchase, shared, startPriceWatch } from './support.js';

let harness: PriceWatchHarness;
const purchased = purchaseRecordedHandler({ threshold: 0.55 }, shared);
const priceSet = catalogPriceSetHandler(pino({ level: 'silent' }), shared);
const DAY_MS = 86_400_000;

beforeAll(async () => {
  harness = await startPriceWatch('pw_ownchart');
});
afterAll(() => harness.close());

/** Noon UTC `days` days ago (days >= 1: always in the past). */
function noon(days: number): string {
  const now = new Date();
  return new Date(
    Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 12) - days * DAY_MS,
  ).toISOString();
}
const dayOf = (iso: string) => iso.slice(0, 10);

async function buy(
  userId: string,
  item: { name: string; gtin: string },
  paidCents: number,
  at: string,
  storeSlug = 'kroger',
) {
  await deliver(
    harness.database,
    purchased,
    purchase(userId, [{ ...item, paidCents }], { storeSlug, purchasedAt: at }),
  );
}

async function setPrice(productId: string, priceCents: number, at: string, storeSlug = 'kroger') {
  await deliver(harness.database, priceSet, {
    locationId: newId(),
    storeSlug,
    productId,
    priceCents,
    currency: 'USD',
    effectiveAt: at,
  });
}

async function productId(gtin: string): Promise<string> {
  const { body } = await request(harness.app)
    .get(`/internal/products/resolve?gtin=${gtin}`)
    .set(serviceHeaders(TEST_SERVICE_KEY))
    .expect(200);
  return body.id;
}

interface Point {
  period: string;
  minCents: number;
  maxCents: number;
  avgCents: number;
  count: number;
  ownCount: number;
}

async function chart(user: ReturnType<typeof testUser>, id: string, store?: string): Promise<Point[]> {
  const query = new URLSearchParams({ interval: 'day', from: dayOf(noon(10)) });
  if (store) query.set('store', store);
  const { body } = await request(harness.app)
    .get(`/products/${id}/prices?${query}`)
    .set(serviceHeaders(TEST_SERVICE_KEY, user))
    .expect(200);
  expect(body.currency).toBe('USD');
  return body.points;
}

describe('a shopper’s price chart', () => {
  it('shows the shared prices and the shopper’s own receipts, never another single shopper’s', async () => {
    const [a, b] = [testUser(), testUser()];
    const BANANAS = { name: 'Chart Bananas', gtin: '0000000021210' };
    // A bought the bananas yesterday at 90¢; the store's catalog has said $1.00 since five days ago.
    await buy(a.id, BANANAS, 90, noon(1));
    const id = await productId(BANANAS.gtin);
    await setPrice(id, 100, noon(5));
    // B alone posts 1¢ bananas at the same store two days ago.
    await buy(b.id, BANANAS, 1, noon(2));

    // A day with evidence at the store has its shared price (docs/price-watch.md, "Shared figures over
    // time"): the store's $1.00 five and two days ago; yesterday A's own 90¢ stands for the store.
    const expectedA = [
      { period: dayOf(noon(5)), minCents: 100, maxCents: 100, avgCents: 100, count: 1, ownCount: 0 },
      { period: dayOf(noon(2)), minCents: 100, maxCents: 100, avgCents: 100, count: 1, ownCount: 0 },
      { period: dayOf(noon(1)), minCents: 90, maxCents: 90, avgCents: 90, count: 1, ownCount: 1 },
    ];
    for (const store of ['kroger', undefined]) {
      expect(await chart(a, id, store)).toEqual(expectedA);
    }
    // The contributor still sees their own 1¢ (in place of the shared price that day at that store).
    const ofB = await chart(b, id, 'kroger');
    expect(ofB.find((point) => point.period === dayOf(noon(2)))).toEqual({
      period: dayOf(noon(2)),
      minCents: 1,
      maxCents: 1,
      avgCents: 1,
      count: 1,
      ownCount: 1,
    });
    expect(ofB.find((point) => point.period === dayOf(noon(1)))).toMatchObject({
      minCents: 100,
      ownCount: 0,
    });
  });
});

describe('a watch’s 90-day median', () => {
  it('rests on the shared prices and the owner’s receipts: another shopper’s 1¢ does not move it', async () => {
    const [a, b] = [testUser(), testUser()];
    const MANGO = { name: 'Median Mangoes', gtin: '0000000021227' };
    // B alone posts 1¢ mangoes at another store, three and two days ago.
    await buy(b.id, MANGO, 1, noon(2), 'aldi');
    const id = await productId(MANGO.gtin);
    await buy(b.id, MANGO, 1, noon(1), 'aldi');
    // The store's catalog: $10.00 three, two and one day ago.
    for (const days of [3, 2, 1]) await setPrice(id, 1000, noon(days));
    await request(harness.app)
      .post('/watches')
      .set(serviceHeaders(TEST_SERVICE_KEY, a))
      .send({ productId: id, dropPct: 20 })
      .expect(201);

    // The store lowers its price to $7.00: 30 % below the shared $10.00 median.
    await setPrice(id, 700, new Date(Date.now() - 60_000).toISOString());

    const { body } = await request(harness.app)
      .get('/alerts?limit=100')
      .set(serviceHeaders(TEST_SERVICE_KEY, a))
      .expect(200);
    const drops = (body.items as Array<{ kind: string; title: string; body: string }>).filter(
      (alert) => alert.kind === 'price-drop',
    );
    expect(drops).toEqual([
      expect.objectContaining({
        title: 'Median Mangoes is 30% below its 90-day median',
        body: 'Now $7.00; the 90-day median is $10.00.',
      }),
    ]);
  });
});
