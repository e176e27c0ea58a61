/**
 * The demo seeder (demo/seed.ts) against a platform of its own (it seeds only an empty one): it creates
 * the retailers, two years of receipts for the demo shopper (and fewer for three neighbours), products, a catalog, a layout, a smart cart
 * and coupons through the gateway; a second run changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_NEIGHBOURS, DEMO_SHOPPER, demoStores, seedDemo } from '../../../demo/seed.js';
import { eventually } from '../src/eventually.js';
import { GatewayClient, type Session } from '../src/gateway-client.js';
import { Platform } from '../src/platform.js';

let platform: Platform;
let gateway: GatewayClient;
let admin: Session;
/** Every purchase line the seeder posted (the demo shopper's and the neighbours'). */
let seededLines = 0;

beforeAll(async () => {
  platform = await Platform.start();
  gateway = new GatewayClient(platform.url);
  admin = await eventually('the bootstrapped admin can log in', () => gateway.loginAdmin(platform.admin));
});

afterAll(async () => {
  await platform?.stop();
});

async function purchaseCount(token: string): Promise<number> {
  let count = 0;
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const { body } = await gateway.get<{ items: unknown[]; nextCursor: string | null }>(
      `/purchases?limit=100${query}`,
      { token },
    );
    count += body.items.length;
    cursor = body.nextCursor;
  } while (cursor);
  return count;
}

describe('the demo seeder', () => {
  it('seeds an empty platform through the gateway', async () => {
    const result = await seedDemo(platform.url, platform.admin);
    expect(result).toMatchObject({ seeded: true, receipts: 200 });
    expect(result.lines).toBe(200 * 8);
    expect(result.neighbourLines).toBe(3 * 50 * 8);
    seededLines = result.lines + result.neighbourLines;

    const { body: session } = await gateway.post<{ tokens: { accessToken: string } }>(
      '/auth/login',
      { email: DEMO_SHOPPER.email, password: DEMO_SHOPPER.password },
      { expect: 200 },
    );
    const token = session.tokens.accessToken;
    expect(await purchaseCount(token)).toBe(200);

    const stats = await gateway.get<{ groups: Array<{ key: string; purchaseCount: number }> }>(
      '/purchases/stats?groupBy=month',
      { token },
    );
    // Two years of receipts: 24 or 25 calendar months.
    expect(stats.body.groups.length).toBeGreaterThanOrEqual(24);

    const stores = await gateway.get<{ items: Array<{ slug: string }> }>('/stores', { token });
    expect(stores.body.items.map((store) => store.slug).sort()).toEqual(
      demoStores.map((store) => store.slug).sort(),
    );
    // price-watch creates a product per GTIN as it matches the receipts (event-driven).
    await eventually('the 18 demo products', async () => {
      const { body } = await gateway.get<{ items: unknown[] }>('/products?limit=100', { token });
      return body.items.length === 18 ? body : undefined;
    });
    const coupons = await gateway.get<{ items: unknown[] }>('/coupons?limit=100', { token });
    expect(coupons.body.items).toHaveLength(5);
    const devices = await gateway.get<{ items: unknown[] }>('/devices', { token: admin.token });
    expect(devices.body.items).toHaveLength(1);
  });

  it('has complete products: category trends, unit prices, a dairy CPI basket, search by brand, GTIN and typo (issue #21)', async () => {
    const { body: session } = await gateway.post<{ tokens: { accessToken: string } }>(
      '/auth/login',
      { email: DEMO_SHOPPER.email, password: DEMO_SHOPPER.password },
      { expect: 200 },
    );
    const token = session.tokens.accessToken;
    const search = async (q: string) =>
      (
        await gateway.get<{ items: Array<{ id: string; name: string; category: string | null }> }>(
          `/products?q=${encodeURIComponent(q)}`,
          { token },
        )
      ).body.items;
    // Every line observed (price-watch matches them event by event after the seeder returns): each
    // shopper's chart marks their own observations (ownCount; docs/price-watch.md, "What a shopper
    // sees"), and the four shoppers' own observations of the 18 products add up to the lines posted.
    const tokens = [token];
    for (const neighbour of DEMO_NEIGHBOURS) {
      const { body: theirs } = await gateway.post<{ tokens: { accessToken: string } }>(
        '/auth/login',
        { email: neighbour.email, password: neighbour.password },
        { expect: 200 },
      );
      tokens.push(theirs.tokens.accessToken);
    }
    await eventually(
      'every seeded line observed',
      async () => {
        const { body } = await gateway.get<{ items: Array<{ id: string }> }>('/products?limit=100', {
          token,
        });
        let observed = 0;
        for (const viewer of tokens) {
          for (const product of body.items) {
            const { body: series } = await gateway.get<{ points: Array<{ ownCount: number }> }>(
              `/products/${product.id}/prices?interval=month&from=2020-01-01`,
              { token: viewer },
            );
            observed += series.points.reduce((sum, point) => sum + point.ownCount, 0);
          }
        }
        return observed === seededLines ? observed : undefined;
      },
      { timeoutMs: 240_000, intervalMs: 2_000 },
    );
    // Categories and pack sizes came from the receipts onto products the catalog created by GTIN (the
    // receipts are matched event by event after the seeder returns).
    const all = await eventually('every demo product with a category and a pack size', async () => {
      const { body } = await gateway.get<{
        items: Array<{ id: string; category: string | null; size: unknown; gtins: string[] }>;
      }>('/products?limit=100', { token });
      return body.items.length === 18 &&
        body.items.every((product) => product.category !== null && product.size !== null)
        ? body.items
        : undefined;
    });

    const trends = await eventually('category trends of the demo receipts', async () => {
      const { body } = await gateway.get<{ items: Array<{ category: string; productCount: number }> }>(
        '/prices/trends?period=365d',
        { token },
      );
      const categories = body.items.map((item) => item.category);
      return categories.includes('dairy') && categories.includes('produce') ? body.items : undefined;
    });
    expect(trends.find((item) => item.category === 'dairy')?.productCount).toBeGreaterThan(0);

    const milk = (await search('whole milk'))[0];
    const detail = await gateway.get<{ prices: Array<{ unitPrice: { amountCents: number } | null }> }>(
      `/products/${milk?.id}`,
      { token },
    );
    expect(detail.body.prices.length).toBeGreaterThan(0);
    expect(detail.body.prices.every((price) => price.unitPrice !== null)).toBe(true);

    // The basket needs the seeded receipts of both months observed; they arrive through events.
    const dairyBasket = await eventually('a dairy CPI basket', async () => {
      const { body } = await gateway.get<{ basket: { productCount: number } }>(
        '/public/inflation?category=dairy',
      );
      return body.basket.productCount > 0 ? body.basket : undefined;
    });
    expect(dairyBasket.productCount).toBeGreaterThan(0);

    // An in-store route at the demo store: its layout places categories only; products go to their
    // category's aisle.
    const { body: locations } = await gateway.get<{ items: Array<{ id: string; storeSlug: string }> }>(
      '/catalog/locations?limit=100',
      { token },
    );
    const home = locations.items.find((location) => location.storeSlug === 'fresh-fields');
    const productIds = await Promise.all(
      ['whole milk', 'bananas', 'ground coffee'].map(async (name) => (await search(name))[0]?.id as string),
    );
    const route = await gateway.post<{
      stops: Array<{ nodeId: string; productIds: string[] }>;
      unplacedProductIds: string[];
    }>(`/store-layouts/${home?.id}/route`, { productIds }, { token, expect: 200 });
    expect(route.body.unplacedProductIds).toEqual([]);
    expect(route.body.stops.map((stop) => stop.nodeId)).toEqual(['aisle-1', 'aisle-2', 'aisle-3']);
    expect(route.body.stops.flatMap((stop) => stop.productIds).sort()).toEqual([...productIds].sort());

    // Public figures rest on k = 3 contributors: the demo shopper and the neighbours confirm each other.
    const publicTrend = await gateway.get<{ points: unknown[] }>(
      `/public/trends/${productIds[0]}?period=365d`,
    );
    expect(publicTrend.body.points.length).toBeGreaterThan(10);

    expect((await search('tide'))[0]?.name).toBe('Laundry Detergent');
    const cereal = (await search('cerael'))[0];
    expect(cereal?.name).toBe('Crunchy Oat Cereal');
    const gtin = all.find((product) => product.id === cereal?.id)?.gtins[0] as string;
    expect((await search(gtin))[0]?.id).toBe(cereal?.id);
  });

  it('does nothing on a second run', async () => {
    const result = await seedDemo(platform.url, platform.admin);
    expect(result).toEqual({
      seeded: false,
      reason: `the demo shopper ${DEMO_SHOPPER.email} already exists`,
      receipts: 0,
      lines: 0,
      neighbourLines: 0,
    });
    const { body } = await gateway.post<{ tokens: { accessToken: string } }>(
      '/auth/login',
      { email: DEMO_SHOPPER.email, password: DEMO_SHOPPER.password },
      {
        expect: 200,
      },
    );
    expect(await purchaseCount(body.tokens.accessToken)).toBe(200);
  });
});
