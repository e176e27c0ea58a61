/**
 * Routes through layouts that place categories (the normal case): a product goes to its own placement,
 * else to its category's (price-watch's category, or its BLS CPI category), else it is listed as not
 * placed; the categories come from price-watch for the shopper, and a route still answers when
 * price-watch is down.
 */
import { newId } from '@cartwatch/db';
import { TEST_SERVICE_KEY, testAdmin, testUser } from '@cartwatch/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../src/db/schema.js';
import { type FakeOrders, startFakeOrders } from './fake-orders.js';
import { type FakePriceWatch, startFakePriceWatch } from './fake-price-watch.js';
import {
  asDevice,
  asUser,
  buildApp,
  createDatabase,
  knownLocation,
  pair,
  registerCart,
  type TestDatabase,
} from './harness.js';

let database: TestDatabase<DB>;
let orders: FakeOrders;
let priceWatch: FakePriceWatch;
const admin = testAdmin();
const shopper = testUser();
const otherShopper = testUser();

/** entrance(0,0) --4-- dairy(4,0) --4-- bakery(8,0) --3-- checkout(8,3); entrance --20-- checkout. */
const layout = {
  nodes: [
    { id: 'entrance', kind: 'entrance', x: 0, y: 0 },
    { id: 'dairy', kind: 'aisle', x: 4, y: 0, label: 'Dairy' },
    { id: 'bakery', kind: 'aisle', x: 8, y: 0, label: 'Bakery' },
    { id: 'checkout', kind: 'checkout', x: 8, y: 3 },
  ],
  edges: [
    { from: 'entrance', to: 'dairy', distance: 4 },
    { from: 'dairy', to: 'bakery', distance: 4 },
    { from: 'bakery', to: 'checkout', distance: 3 },
    { from: 'entrance', to: 'checkout', distance: 20 },
  ],
  placements: [
    { nodeId: 'dairy', category: 'Dairy' },
    { nodeId: 'bakery', category: 'bread' },
  ],
};

beforeAll(async () => {
  database = await createDatabase('cart_device_route_by_category');
  orders = await startFakeOrders(TEST_SERVICE_KEY);
  priceWatch = await startFakePriceWatch(TEST_SERVICE_KEY);
});
afterAll(async () => {
  await priceWatch.close();
  await orders.close();
  await database.drop();
});

async function storeWithLayout(app: ReturnType<typeof buildApp>, body: object = layout) {
  const locationId = knownLocation(orders);
  await request(app).put(`/store-layouts/${locationId}`).set(asUser(admin)).send(body).expect(200);
  return locationId;
}

describe('routes by category', () => {
  it("stops at the shelf of each product's category when the layout places only categories", async () => {
    const app = buildApp(database, { orders, priceWatch });
    const milk = newId();
    const loaf = newId();
    const uncategorised = newId();
    const unknownToPriceWatch = newId();
    priceWatch.categories.set(milk, 'dairy');
    priceWatch.categories.set(loaf, 'bread');
    priceWatch.categories.set(uncategorised, null);
    const locationId = await storeWithLayout(app);
    const route = await request(app)
      .post(`/store-layouts/${locationId}/route`)
      .set(asUser(shopper))
      .send({ productIds: [loaf, milk, uncategorised, unknownToPriceWatch] })
      .expect(200);
    expect(route.body.stops).toEqual([
      { nodeId: 'dairy', label: 'Dairy', productIds: [milk], categories: [], distanceFromPrevious: 4 },
      { nodeId: 'bakery', label: 'Bakery', productIds: [loaf], categories: [], distanceFromPrevious: 4 },
    ]);
    expect(route.body).toMatchObject({
      totalDistance: 11,
      path: ['entrance', 'dairy', 'bakery', 'checkout'],
      unplacedProductIds: [uncategorised, unknownToPriceWatch],
      unplacedCategories: [],
    });
    // Asked as the shopper the route is for.
    const asked = priceWatch.calls.filter((call) => call.productId === milk);
    expect(asked).toEqual([{ productId: milk, userId: shopper.id }]);
  });

  it("routes a product by its own placement first, and by its category's CPI group when only that is placed", async () => {
    const app = buildApp(database, { orders, priceWatch });
    const yogurt = newId();
    const specialLoaf = newId();
    priceWatch.categories.set(yogurt, 'yogurt');
    priceWatch.categories.set(specialLoaf, 'bread');
    const locationId = await storeWithLayout(app, {
      ...layout,
      placements: [{ nodeId: 'dairy', productId: specialLoaf }, ...layout.placements],
    });
    const calls = priceWatch.calls.length;
    const route = await request(app)
      .post(`/store-layouts/${locationId}/route`)
      .set(asUser(otherShopper))
      .send({ productIds: [specialLoaf, yogurt] })
      .expect(200);
    // The loaf's own placement (dairy) wins over its category's (bakery); yogurt is in CPI "dairy".
    expect(route.body.stops).toEqual([
      {
        nodeId: 'dairy',
        label: 'Dairy',
        productIds: [specialLoaf, yogurt],
        categories: [],
        distanceFromPrevious: 4,
      },
    ]);
    expect(route.body.unplacedProductIds).toEqual([]);
    // Only the product the layout does not place itself is looked up.
    expect(priceWatch.calls.slice(calls)).toEqual([{ productId: yogurt, userId: otherShopper.id }]);
  });

  it('keeps routing with the categories learnt before while price-watch is down', async () => {
    const app = buildApp(database, { orders, priceWatch });
    const butter = newId();
    const neverSeen = newId();
    priceWatch.categories.set(butter, 'butter');
    priceWatch.categories.set(neverSeen, 'dairy');
    const locationId = await storeWithLayout(app);
    const first = await request(app)
      .post(`/store-layouts/${locationId}/route`)
      .set(asUser(shopper))
      .send({ productIds: [butter] })
      .expect(200);
    expect(first.body.stops.map((stop: { nodeId: string }) => stop.nodeId)).toEqual(['dairy']);
    priceWatch.down = true;
    try {
      const route = await request(app)
        .post(`/store-layouts/${locationId}/route`)
        .set(asUser(shopper))
        .send({ productIds: [butter, neverSeen] })
        .expect(200);
      expect(route.body.stops).toEqual([
        { nodeId: 'dairy', label: 'Dairy', productIds: [butter], categories: [], distanceFromPrevious: 4 },
      ]);
      expect(route.body.unplacedProductIds).toEqual([neverSeen]);
    } finally {
      priceWatch.down = false;
    }
    // Back up: the product never learnt is asked again and placed.
    const again = await request(app)
      .post(`/store-layouts/${locationId}/route`)
      .set(asUser(shopper))
      .send({ productIds: [butter, neverSeen] })
      .expect(200);
    expect(again.body.stops[0].productIds).toEqual([butter, neverSeen]);
    expect(again.body.unplacedProductIds).toEqual([]);
  });

  it("gives a paired cart a route with stops through the shopper's cart", async () => {
    const app = buildApp(database, { orders, priceWatch });
    const locationId = await storeWithLayout(app);
    const milk = { productId: newId(), gtin: '0001234567890', name: 'Milk', priceCents: 199 };
    const loaf = { productId: newId(), gtin: '4006381333931', name: 'Bread', priceCents: 299 };
    priceWatch.categories.set(milk.productId, 'milk');
    priceWatch.categories.set(loaf.productId, 'bakery');
    orders.catalog.set(locationId, [milk, loaf]);
    const cart = await registerCart(app, admin, locationId);
    await pair(app, cart, shopper);
    for (const product of [loaf, milk]) {
      await request(app)
        .post('/device/scans')
        .set(asDevice(cart.key))
        .send({ scanId: newId(), barcode: product.gtin, action: 'add', quantity: 1 })
        .expect(200);
    }
    const route = await request(app).get('/device/route').set(asDevice(cart.key)).expect(200);
    // "bakery" is not placed, but its CPI group "cereals-bakery" is not either: only milk has a shelf.
    expect(route.body.stops).toEqual([
      {
        nodeId: 'dairy',
        label: 'Dairy',
        productIds: [milk.productId],
        categories: [],
        distanceFromPrevious: 4,
      },
    ]);
    expect(route.body.unplacedProductIds).toEqual([loaf.productId]);
  });
});
