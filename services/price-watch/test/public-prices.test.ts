import { readFileSync } from 'node:fs';
import { newId } from '@cartwatch/db';
import { serviceHeaders, TEST_SERVICE_KEY, testAdmin, testStaff, testUser } from '@cartwatch/testing';
import { sql } from 'kysely';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gtinCheckDigit } from '../src/catalog/gtin.js';
import { purchaseRecordedHandler } from '../src/events/purchase-recorded.handler.js';
import { rebuildSharedDaily } from '../src/prices/consensus.repository.js';
import { recomputeRollups } from '../src/prices/observation.repository.js';
import { priceSeriesQuery } from '../src/prices/prices.repository.js';
import {
  createProduct,
  deliver,
  type PriceWatchHarness,
  purchase,
  shared,
  startPriceWatch,
} from './support.js';

let harness: PriceWatchHarness;
const handler = purchaseRecordedHandler({ threshold: 0.55 }, shared);
const user = testUser();
const admin = testAdmin();

beforeAll(async () => {
  harness = await startPriceWatch('pw_public');
});
afterAll(() => harness.close());

function cpiFromFile(seriesId: string, year: number, month: number): number {
  const csv = readFileSync(new URL('../data/cpi/cpi-u-food.csv', import.meta.url), 'utf8');
  const line = csv.split('\n').find((row) => row.startsWith(`${seriesId},${year},${month},`));
  if (!line) throw new Error(`no CPI row for ${seriesId} ${year}-${month}`);
  return Number(line.split(',')[3]);
}

async function productIdOfGtin(gtin: string): Promise<string> {
  const response = await request(harness.app)
    .get(`/internal/products/resolve?gtin=${gtin}`)
    .set(serviceHeaders(TEST_SERVICE_KEY))
    .expect(200);
  return response.body.id;
}

function daysAgo(days: number, hour = 12): string {
  const date = new Date(Date.now() - days * 86_400_000);
  date.setUTCHours(hour, 0, 0, 0);
  return date.toISOString();
}

/** A GTIN-13 no other test uses, so each test prices products of its own. */
let gtinSerial = 1_000;
function freshGtin(): string {
  gtinSerial += 1;
  const body = String(gtinSerial).padStart(12, '0');
  return `${body}${gtinCheckDigit(body)}`;
}

interface ShopperHistory {
  rice: string;
  beans: string;
  gtins: { rice: string; beans: string };
}

/**
 * One shopper's twelve days of receipts at aldi, lidl and kroger (rice, beans and lentils; rice again in
 * the evening every third day), then the lentils merged into the beans by an admin. Each test that needs
 * chart data seeds its own products, so the tests of this file do not depend on each other's order.
 */
async function seedShopperHistory(): Promise<ShopperHistory> {
  const gtins = { rice: freshGtin(), beans: freshGtin(), lentils: freshGtin() };
  const stores = ['aldi', 'lidl', 'kroger'];
  // 3 products x 3 stores x 12 days, two observations on some days.
  for (let day = 0; day < 12; day++) {
    for (const [index, store] of stores.entries()) {
      const items = [
        { name: 'Rollup Rice', brand: 'Roll', gtin: gtins.rice, paidCents: 200 + day * 3 + index },
        { name: 'Rollup Beans', brand: 'Roll', gtin: gtins.beans, paidCents: 150 + ((day * 7) % 5) + index },
        { name: 'Rollup Lentils', brand: 'Roll', gtin: gtins.lentils, paidCents: 300 - day + index },
      ];
      await deliver(
        harness.database,
        handler,
        purchase(user.id, items, { storeSlug: store, purchasedAt: daysAgo(day, 9) }),
      );
      if (day % 3 === 0) {
        await deliver(
          harness.database,
          handler,
          purchase(
            user.id,
            items.slice(0, 1).map((item) => ({ ...item, paidCents: item.paidCents + 40 })),
            { storeSlug: store, purchasedAt: daysAgo(day, 18) },
          ),
        );
      }
    }
  }
  const rice = await productIdOfGtin(gtins.rice);
  const beans = await productIdOfGtin(gtins.beans);
  const lentils = await productIdOfGtin(gtins.lentils);
  await request(harness.app)
    .post(`/products/${lentils}/merge`)
    .set(serviceHeaders(TEST_SERVICE_KEY, admin))
    .send({ targetProductId: beans })
    .expect(200);
  return { rice, beans, gtins: { rice: gtins.rice, beans: gtins.beans } };
}

/** Three more shoppers price the rice and beans today at every store (200/201/202 and 150/151/152). */
async function confirmToday(gtins: ShopperHistory['gtins']): Promise<void> {
  for (const other of [testUser(), testUser(), testUser()]) {
    for (const [index, store] of ['aldi', 'lidl', 'kroger'].entries()) {
      await deliver(
        harness.database,
        handler,
        purchase(
          other.id,
          [
            { name: 'Rollup Rice', brand: 'Roll', gtin: gtins.rice, paidCents: 200 + index },
            { name: 'Rollup Beans', brand: 'Roll', gtin: gtins.beans, paidCents: 150 + index },
          ],
          { storeSlug: store, purchasedAt: daysAgo(0, 10) },
        ),
      );
    }
  }
}

describe('daily rollups', () => {
  it('equal a recompute from raw observations after inserts, merges and splits', async () => {
    await seedShopperHistory();

    const snapshot = async () => ({
      daily: (
        await sql`select product_id, store_slug, currency, day::text, min_cents, max_cents, sum_cents, count from price_daily order by 1, 2, 3, 4`.execute(
          harness.database.db,
        )
      ).rows,
      sharedDaily: (
        await sql`select product_id, store_slug, currency, day::text, price_cents, basis, contributors, observation_id from price_shared_daily order by 1, 2, 3, 4`.execute(
          harness.database.db,
        )
      ).rows,
      latest: (
        await sql`select product_id, store_slug, currency, observation_id, price_cents, observed_at from price_latest order by 1, 2, 3`.execute(
          harness.database.db,
        )
      ).rows,
    });
    const incremental = await snapshot();
    const products = await harness.database.db.selectFrom('product').select('id').execute();
    await recomputeRollups(
      harness.database.db,
      products.map((product) => product.id),
    );
    await rebuildSharedDaily(
      harness.database.db,
      products.map((product) => product.id),
      shared,
    );
    const recomputed = await snapshot();
    expect(incremental.daily.length).toBeGreaterThan(50);
    expect(incremental).toEqual(recomputed);
  });
});

describe('public reads', () => {
  it('serves no public trend of a product only one shopper priced (k contributors), 404 for an unknown one', async () => {
    const { rice } = await seedShopperHistory();
    const trend = await request(harness.app)
      .get(`/public/trends/${rice}?period=30d`)
      .set(serviceHeaders(TEST_SERVICE_KEY))
      .expect(200);
    // docs/price-watch.md, "Shared figures over time": one contributor's receipts are no public figure.
    expect(trend.body).toMatchObject({ productId: rice, currency: null, points: [], changePct: null });
    await request(harness.app)
      .get(`/public/trends/${newId()}`)
      .set(serviceHeaders(TEST_SERVICE_KEY))
      .expect(404);
  });

  it('serves a product price series from the same rollups, 404 for an unknown product', async () => {
    const { rice } = await seedShopperHistory();
    const headers = serviceHeaders(TEST_SERVICE_KEY, user);
    const today = new Date().toISOString().slice(0, 10);
    const from = new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10);
    const daily = await request(harness.app)
      .get(`/products/${rice}/prices?interval=day&from=${from}&to=${today}`)
      .set(headers);
    expect(daily.status).toBe(200);
    expect(daily.body).toMatchObject({ productId: rice, interval: 'day', store: null, currency: 'USD' });
    expect(daily.body.points).toHaveLength(12);
    // Day 0: aldi 200, lidl 201, kroger 202, plus evening prices 240, 241, 242.
    expect(daily.body.points.at(-1)).toMatchObject({ minCents: 200, maxCents: 242, count: 6, avgCents: 221 });
    const weekly = await request(harness.app)
      .get(`/products/${rice}/prices?interval=week&from=${from}&to=${today}`)
      .set(headers)
      .expect(200);
    const countOf = (points: { count: number }[]) => points.reduce((sum, point) => sum + point.count, 0);
    expect(countOf(weekly.body.points)).toBe(countOf(daily.body.points));
    await request(harness.app).get(`/products/${newId()}/prices`).set(headers).expect(404);

    const unpriced = await createProduct(harness.database);
    const empty = await request(harness.app).get(`/products/${unpriced}/prices`).set(headers).expect(200);
    expect(empty.body).toMatchObject({ currency: null, points: [] });
  });

  it('reads a chart from the price_shared_daily key and the viewer’s observations by index', async () => {
    const { rice } = await seedShopperHistory();
    const today = new Date().toISOString().slice(0, 10);
    const from = new Date(Date.now() - 90 * 86_400_000).toISOString().slice(0, 10);
    const query = priceSeriesQuery({ productId: rice, userId: user.id, from, to: today, interval: 'day' });
    const plan = await harness.database.db.connection().execute(async (db) => {
      // The test tables are tiny, where a sequential scan is cheapest; rule it out to see the index path.
      await sql`set enable_seqscan = off`.execute(db);
      await sql`set enable_bitmapscan = off`.execute(db);
      const { rows } = await sql<{ 'QUERY PLAN': string }>`explain (costs off) ${query}`.execute(db);
      await sql`reset enable_seqscan`.execute(db);
      await sql`reset enable_bitmapscan`.execute(db);
      return rows.map((row) => row['QUERY PLAN']).join('\n');
    });
    // docs/price-watch.md, "What a shopper sees": a range of the daily shared prices' key, and the
    // viewer's own observations of the product through an index, never a scan of every observation.
    expect(plan).toMatch(/Index Scan using price_shared_daily_pkey on price_shared_daily/);
    expect(plan).toMatch(/Index Scan using price_observation_\w+ on price_observation/);
    expect(plan).not.toMatch(/Seq Scan/);
  });

  it('compares stores for at most 20 products, on prices confirmed by k contributors', async () => {
    const { rice, beans, gtins } = await seedShopperHistory();
    const ids = [rice, beans];
    // One shopper's receipts alone are no shared price (docs/price-watch.md, "Consensus prices").
    const alone = await request(harness.app)
      .get(`/public/store-comparison?productIds=${ids.join(',')}`)
      .set(serviceHeaders(TEST_SERVICE_KEY))
      .expect(200);
    expect(alone.body.stores).toEqual([]);
    // Three more shoppers confirm today's prices at every store (the first shopper's newest receipt of
    // the merged beans may be the lentils' price: an outlier, rejected).
    await confirmToday(gtins);
    const comparison = await request(harness.app)
      .get(`/public/store-comparison?productIds=${ids.join(',')}`)
      .set(serviceHeaders(TEST_SERVICE_KEY))
      .expect(200);
    expect(comparison.body.stores.map((store: { storeSlug: string }) => store.storeSlug)).toEqual([
      'aldi',
      'lidl',
      'kroger',
    ]);
    expect(comparison.body.cheapestCompleteStore).toBe('aldi');
    // The public trend now has today's shared prices, one per store (the first shopper's evening 240 at
    // aldi is one vote among four: the median stays 200).
    const trend = await request(harness.app)
      .get(`/public/trends/${ids[0]}?period=30d`)
      .set(serviceHeaders(TEST_SERVICE_KEY))
      .expect(200);
    expect(trend.body.points).toEqual([
      { period: daysAgo(0).slice(0, 10), minCents: 200, maxCents: 202, avgCents: 201, count: 3 },
    ]);
    const tooMany = Array.from({ length: 21 }, () => newId()).join(',');
    const rejected = await request(harness.app)
      .get(`/public/store-comparison?productIds=${tooMany}`)
      .set(serviceHeaders(TEST_SERVICE_KEY))
      .expect(400);
    expect(rejected.body.error.code).toBe('VALIDATION_FAILED');
  });

  it('lists category trends and price increases for signed-in users, from shared prices', async () => {
    const { rice, beans, gtins } = await seedShopperHistory();
    await confirmToday(gtins);
    await harness.database.db
      .updateTable('product')
      .set({ category: 'pantry' })
      .where('id', 'in', [rice, beans])
      .execute();
    // Three shoppers priced rice and beans at aldi ten days ago too (today: 200 and 150).
    for (const other of [testUser(), testUser(), testUser()]) {
      await deliver(
        harness.database,
        handler,
        purchase(
          other.id,
          [
            { name: 'Rollup Rice', brand: 'Roll', gtin: gtins.rice, paidCents: 180 },
            { name: 'Rollup Beans', brand: 'Roll', gtin: gtins.beans, paidCents: 140 },
          ],
          { storeSlug: 'aldi', purchasedAt: daysAgo(10, 10) },
        ),
      );
    }
    const trends = await request(harness.app)
      .get('/prices/trends?period=30d&category=pantry')
      .set(serviceHeaders(TEST_SERVICE_KEY, user))
      .expect(200);
    expect(trends.body.items).toEqual([
      expect.objectContaining({ category: 'pantry', currency: 'USD', productCount: 2 }),
    ]);
    const since = daysAgo(11).slice(0, 10);
    const increases = await request(harness.app)
      .get(`/prices/increases?since=${since}&minPct=1`)
      .set(serviceHeaders(TEST_SERVICE_KEY, user))
      .expect(200);
    // Rice at aldi: 180 from ten days ago (the first shopper's 230 is one vote of four) until
    // yesterday, then 200/201/202 today: (6 x 180 + 603) / 9 over the last seven days.
    expect(increases.body.items).toContainEqual(
      expect.objectContaining({ name: 'Rollup Rice', fromAvgCents: 180, toAvgCents: 187 }),
    );
    await request(harness.app).get(`/prices/trends`).set(serviceHeaders(TEST_SERVICE_KEY)).expect(401);
  });
});

describe('/public/inflation', () => {
  it('returns the CPI year-over-year change computed from the shipped BLS values', async () => {
    // The values the shipped BLS file holds.
    expect(cpiFromFile('CUUR0000SAF11', 2025, 1)).toBe(310.936);
    expect(cpiFromFile('CUUR0000SAF11', 2024, 1)).toBe(305.037);
    const response = await request(harness.app)
      .get('/public/inflation?period=2025-01&category=food-at-home')
      .set(serviceHeaders(TEST_SERVICE_KEY))
      .expect(200);
    // 310.936 / 305.037 - 1 = 1.934 %, rounded to two places.
    expect(response.body.cpi).toEqual({
      seriesId: 'CUUR0000SAF11',
      value: 310.936,
      previousYearValue: 305.037,
      yoyPct: 1.93,
    });
  });

  it('reports no CPI change for October 2025, which BLS never published', async () => {
    const response = await request(harness.app)
      .get('/public/inflation?period=2025-10')
      .set(serviceHeaders(TEST_SERVICE_KEY))
      .expect(200);
    expect(response.body.cpi).toMatchObject({ value: null, yoyPct: null });
  });

  it('computes the basket index as the geometric mean of matched products’ price relatives', async () => {
    const items = (cents: [number, number]) => [
      { name: 'Basket Milk', brand: 'B', category: 'dairy', gtin: '0000000000048', paidCents: cents[0] },
      { name: 'Basket Cheese', brand: 'B', category: 'dairy', gtin: '0000000000055', paidCents: cents[1] },
    ];
    // Three shoppers (k = 3): one shopper's receipts alone are in no public figure.
    for (const buyer of [user, testUser(), testUser()]) {
      await deliver(
        harness.database,
        handler,
        purchase(buyer.id, items([100, 400]), { purchasedAt: '2024-03-10T12:00:00Z' }),
      );
      await deliver(
        harness.database,
        handler,
        purchase(buyer.id, items([110, 440]), { purchasedAt: '2025-03-12T12:00:00Z' }),
      );
      await deliver(
        harness.database,
        handler,
        purchase(buyer.id, items([120, 460]), { purchasedAt: '2025-03-20T12:00:00Z' }),
      );
    }
    const response = await request(harness.app)
      .get('/public/inflation?period=2025-03&category=dairy')
      .set(serviceHeaders(TEST_SERVICE_KEY))
      .expect(200);
    // Milk 100 -> 115 (March 2025's mean), cheese 400 -> 450: the geometric mean of 1.15 and 1.125 is
    // 1.13743, a 13.74 % rise.
    expect(response.body.basket.productCount).toBe(2);
    expect(response.body.basket.yoyPct).toBeCloseTo(13.743, 2);
    expect(response.body.cpi.seriesId).toBe('CUUR0000SEFJ');
  });

  it('imports newer months in BLS format (admin only) and keeps existing values', async () => {
    const body = {
      Results: {
        series: [
          {
            seriesID: 'CUUR0000SAF11',
            data: [
              { year: '2025', period: 'M01', value: '999.000' },
              { year: '2030', period: 'M01', value: '400.125' },
              { year: '2030', period: 'M13', value: '400.000' },
            ],
          },
        ],
      },
    };
    for (const refused of [user, testStaff('fresh-mart')]) {
      await request(harness.app)
        .post('/prices/cpi')
        .set(serviceHeaders(TEST_SERVICE_KEY, refused))
        .send(body)
        .expect(403);
    }
    const result = await request(harness.app)
      .post('/prices/cpi')
      .set(serviceHeaders(TEST_SERVICE_KEY, admin))
      .send(body)
      .expect(200);
    expect(result.body).toEqual({ inserted: 1, unchanged: 1, skipped: 1 });
    const latest = await request(harness.app)
      .get('/public/inflation')
      .set(serviceHeaders(TEST_SERVICE_KEY))
      .expect(200);
    expect(latest.body.period).toBe('2030-01');
    const kept = await request(harness.app)
      .get('/public/inflation?period=2025-01')
      .set(serviceHeaders(TEST_SERVICE_KEY))
      .expect(200);
    expect(kept.body.cpi.value).toBe(310.936);
    await harness.database.db.deleteFrom('cpi_value').where('year', '=', 2030).execute();
  });
});
