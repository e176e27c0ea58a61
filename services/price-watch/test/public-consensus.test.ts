/**
 * Issue #21: public trends, category trends, price increases and the CPI basket rest on shared prices
 * (docs/price-watch.md, "Shared figures over time"): one shopper's extreme receipt moves none of them,
 * and a product priced by fewer than k contributors is in none of them.
 */
import { serviceHeaders, TEST_SERVICE_KEY, testUser } from '@cartwatch/testing';
import { sql } from 'kysely';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purchaseRecordedHandler } from '../src/events/purchase-recorded.handler.js';
import { rebuildSharedDaily } from '../src/prices/consensus.repository.js';
import { deliver, type PriceWatchHarness, purchase, shared, startPriceWatch } from './support.js';

let harness: PriceWatchHarness;
const handler = purchaseRecordedHandler({ threshold: 0.55 }, shared);
const DAY_MS = 86_400_000;

beforeAll(async () => {
  harness = await startPriceWatch('pw_pubcons');
});
afterAll(() => harness.close());

/** The 15th of the month `monthsBack` months before this one, at `hour` UTC. */
function fifteenth(monthsBack: number, hour = 12, plusDays = 0): string {
  const now = new Date();
  const date = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - monthsBack, 15 + plusDays, hour));
  return date.toISOString();
}

const ago = (days: number) => new Date(Date.now() - days * DAY_MS).toISOString();
const period = fifteenth(1).slice(0, 7);
const MILK = { name: 'Consensus Milk', brand: 'Herd', category: 'dairy', gtin: '0000000021111' };
const CHEESE = { name: 'Lonely Cheese', brand: 'Herd', category: 'dairy', gtin: '0000000021128' };

async function buy(userId: string, item: typeof MILK, paidCents: number, at: string) {
  await deliver(
    harness.database,
    handler,
    purchase(userId, [{ ...item, paidCents }], { storeSlug: 'fresh-fields', purchasedAt: at }),
  );
}

async function productId(gtin: string): Promise<string> {
  const { body } = await request(harness.app)
    .get(`/internal/products/resolve?gtin=${gtin}`)
    .set(serviceHeaders(TEST_SERVICE_KEY))
    .expect(200);
  return body.id;
}

async function figures(viewer: ReturnType<typeof testUser>) {
  const milk = await productId(MILK.gtin);
  const cheese = await productId(CHEESE.gtin);
  const inflation = await request(harness.app)
    .get(`/public/inflation?period=${period}&category=dairy`)
    .set(serviceHeaders(TEST_SERVICE_KEY))
    .expect(200);
  const trend = await request(harness.app)
    .get(`/public/trends/${milk}?period=90d`)
    .set(serviceHeaders(TEST_SERVICE_KEY))
    .expect(200);
  const lonely = await request(harness.app)
    .get(`/public/trends/${cheese}?period=90d`)
    .set(serviceHeaders(TEST_SERVICE_KEY))
    .expect(200);
  const categories = await request(harness.app)
    .get('/prices/trends?period=90d&category=dairy')
    .set(serviceHeaders(TEST_SERVICE_KEY, viewer))
    .expect(200);
  const since = new Date(Date.parse(fifteenth(2)) - 3 * DAY_MS).toISOString().slice(0, 10);
  const increases = await request(harness.app)
    .get(`/prices/increases?since=${since}&minPct=1`)
    .set(serviceHeaders(TEST_SERVICE_KEY, viewer))
    .expect(200);
  return {
    basket: inflation.body.basket as { yoyPct: number | null; productCount: number },
    trend: trend.body as {
      points: Array<{ minCents: number; maxCents: number; avgCents: number }>;
      changePct: number | null;
    },
    lonelyPoints: lonely.body.points as unknown[],
    categories: categories.body.items as Array<{ category: string; productCount: number; changePct: number }>,
    increases: increases.body.items as Array<{ productId: string; name: string; toAvgCents: number }>,
  };
}

describe('public figures over time rest on the consensus', () => {
  it('are moved by neither one shopper’s extreme receipt nor a product only one shopper bought', async () => {
    const [a, b, c, cheat, viewer] = [testUser(), testUser(), testUser(), testUser(), testUser()];
    // Three shoppers agree on the milk a year before the period, two months before it and in it.
    for (const user of [a, b, c]) {
      await buy(user.id, MILK, 300, fifteenth(13, 10));
      await buy(user.id, MILK, 300, fifteenth(2, 10));
      await buy(user.id, MILK, 330, fifteenth(1, 10));
      await buy(user.id, MILK, 330, ago(2));
    }
    // One shopper alone buys the cheese, in both months.
    await buy(a.id, CHEESE, 500, fifteenth(13, 11));
    await buy(a.id, CHEESE, 900, fifteenth(1, 11));

    const before = await figures(viewer);
    // Milk alone: 330 / 300; the lonely cheese is in no public figure.
    expect(before.basket).toMatchObject({ productCount: 1, yoyPct: 10 });
    expect(before.lonelyPoints).toEqual([]);
    expect(before.trend.points.length).toBeGreaterThan(0);
    expect(before.trend.points.every((point) => point.minCents >= 300)).toBe(true);
    expect(before.categories).toEqual([
      expect.objectContaining({ category: 'dairy', productCount: 1, changePct: 10 }),
    ]);
    expect(before.increases.map((item) => item.name)).toEqual([MILK.name]);

    // One shopper's 1¢ milk, the day after and yesterday.
    await buy(cheat.id, MILK, 1, fifteenth(1, 10, 1));
    await buy(cheat.id, MILK, 1, ago(1));

    const after = await figures(viewer);
    expect(after.basket).toEqual(before.basket);
    expect(after.trend.points.every((point) => point.minCents >= 300)).toBe(true);
    expect(after.trend.changePct).toBe(before.trend.changePct);
    expect(after.categories).toEqual(before.categories);
    expect(after.increases).toEqual(before.increases);
  });

  it('are the same whether receipts arrive in order or late (incremental rows equal a rebuild)', async () => {
    const BREAD = { name: 'Late Bread', brand: 'Oven', category: 'bakery', gtin: '0000000021135' };
    const buyers = [testUser(), testUser(), testUser(), testUser()];
    // Newest first: every receipt entered after the ones dated later than it.
    for (let day = 20; day >= 0; day -= 2) {
      for (const [index, buyer] of buyers.entries()) {
        if ((day + index) % 3 === 0) continue;
        await buy(buyer.id, BREAD, 250 + (20 - day) * 2 + index, ago(20 - day + 1));
      }
    }
    const bread = await productId(BREAD.gtin);
    const snapshot = async () =>
      (
        await sql`select day::text, store_slug, price_cents, basis, contributors, observation_id
                  from price_shared_daily where product_id = ${bread} order by 1, 2`.execute(
          harness.database.db,
        )
      ).rows;
    const incremental = await snapshot();
    await rebuildSharedDaily(harness.database.db, [bread], shared);
    expect(incremental.length).toBeGreaterThan(5);
    expect(incremental).toEqual(await snapshot());
  });
});
