/**
 * Store layouts over HTTP: shoppers cannot write (who can: store-staff.test.ts), validation with field
 * issues, versions, routes.
 */
import { newId } from '@cartwatch/db';
import { TEST_SERVICE_KEY, testAdmin, testUser } from '@cartwatch/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../src/db/schema.js';
import { type FakeOrders, startFakeOrders } from './fake-orders.js';
import { asUser, buildApp, createDatabase, knownLocation, type TestDatabase } from './harness.js';

let database: TestDatabase<DB>;
let orders: FakeOrders;
const admin = testAdmin();
const shopper = testUser();
const milk = newId();
const bread = newId();
const nowhere = newId();

/**
 *  entrance(0,0) --4-- a(4,0) --4-- b(8,0)
 *        |                            |
 *        3                            3
 *        |                            |
 *  checkout(0,3) ------10------- c(8,3)
 */
const layout = {
  nodes: [
    { id: 'entrance', kind: 'entrance', x: 0, y: 0 },
    { id: 'a', kind: 'aisle', x: 4, y: 0, label: 'Dairy' },
    { id: 'b', kind: 'aisle', x: 8, y: 0, label: 'Bakery' },
    { id: 'c', kind: 'aisle', x: 8, y: 3 },
    { id: 'checkout', kind: 'checkout', x: 0, y: 3 },
  ],
  edges: [
    { from: 'entrance', to: 'a', distance: 4 },
    { from: 'a', to: 'b', distance: 4 },
    { from: 'b', to: 'c', distance: 3 },
    { from: 'c', to: 'checkout', distance: 10 },
    { from: 'entrance', to: 'checkout', distance: 3 },
  ],
  placements: [
    { nodeId: 'a', productId: milk },
    { nodeId: 'b', productId: bread },
    { nodeId: 'c', category: 'Eggs' },
  ],
};

beforeAll(async () => {
  database = await createDatabase('cart_device_layouts');
  orders = await startFakeOrders(TEST_SERVICE_KEY);
});
afterAll(async () => {
  await orders.close();
  await database.drop();
});

describe('store layouts', () => {
  it('refuses shoppers a layout write, and lets anyone signed in read it', async () => {
    const app = buildApp(database, { orders });
    const locationId = knownLocation(orders);
    await request(app).put(`/store-layouts/${locationId}`).set(asUser(shopper)).send(layout).expect(403);
    const stored = await request(app)
      .put(`/store-layouts/${locationId}`)
      .set(asUser(admin))
      .send(layout)
      .expect(200);
    expect(stored.body).toMatchObject({ locationId, version: 1, nodes: layout.nodes });
    const read = await request(app).get(`/store-layouts/${locationId}`).set(asUser(shopper)).expect(200);
    expect(read.body.placements).toEqual(layout.placements);
    const replaced = await request(app)
      .put(`/store-layouts/${locationId}`)
      .set(asUser(admin))
      .send(layout)
      .expect(200);
    expect(replaced.body.version).toBe(2);
    await request(app).get(`/store-layouts/${newId()}`).set(asUser(shopper)).expect(404);
  });

  it('rejects negative distances, unknown nodes, a missing checkout and a disconnected graph', async () => {
    const app = buildApp(database, { orders });
    const put = (body: object) =>
      request(app)
        .put(`/store-layouts/${knownLocation(orders)}`)
        .set(asUser(admin))
        .send(body)
        .expect(400);
    const negative = await put({
      ...layout,
      edges: [{ from: 'entrance', to: 'a', distance: -1 }, ...layout.edges],
    });
    expect(negative.body.error.details.issues).toContainEqual(
      expect.objectContaining({ path: 'edges.0.distance' }),
    );
    const unknown = await put({ ...layout, edges: [...layout.edges, { from: 'a', to: 'zz', distance: 1 }] });
    expect(unknown.body.error.details.issues).toContainEqual(expect.objectContaining({ path: 'edges.5.to' }));
    const noCheckout = await put({
      ...layout,
      nodes: layout.nodes.map((node) => (node.kind === 'checkout' ? { ...node, kind: 'aisle' } : node)),
    });
    expect(noCheckout.body.error.details.issues).toContainEqual(
      expect.objectContaining({ code: 'checkout' }),
    );
    const island = await put({
      ...layout,
      nodes: [...layout.nodes, { id: 'island', kind: 'aisle', x: 1, y: 1 }],
    });
    expect(island.body.error.details.issues).toContainEqual(
      expect.objectContaining({ code: 'disconnected' }),
    );
    const extra = await put({ ...layout, owner: 'me' });
    expect(extra.body.error.details.issues).toContainEqual(expect.objectContaining({ path: 'owner' }));
  });

  it('routes entrance -> every needed shelf -> checkout by the shortest walk and reports unplaced items', async () => {
    const app = buildApp(database, { orders });
    const locationId = knownLocation(orders);
    await request(app).put(`/store-layouts/${locationId}`).set(asUser(admin)).send(layout).expect(200);
    const route = await request(app)
      .post(`/store-layouts/${locationId}/route`)
      .set(asUser(shopper))
      .send({ productIds: [bread, milk, nowhere], categories: ['eggs'] })
      .expect(200);
    expect(route.body).toMatchObject({
      method: 'exact',
      totalDistance: 21,
      path: ['entrance', 'a', 'b', 'c', 'checkout'],
      unplacedProductIds: [nowhere],
      unplacedCategories: [],
    });
    expect(route.body.stops).toEqual([
      { nodeId: 'a', label: 'Dairy', productIds: [milk], categories: [], distanceFromPrevious: 4 },
      { nodeId: 'b', label: 'Bakery', productIds: [bread], categories: [], distanceFromPrevious: 4 },
      { nodeId: 'c', label: null, productIds: [], categories: ['eggs'], distanceFromPrevious: 3 },
    ]);
    // Only milk: there and back is shorter than the loop.
    const short = await request(app)
      .post(`/store-layouts/${locationId}/route`)
      .set(asUser(shopper))
      .send({ productIds: [milk] })
      .expect(200);
    expect(short.body).toMatchObject({ totalDistance: 11, path: ['entrance', 'a', 'entrance', 'checkout'] });
    await request(app).post(`/store-layouts/${locationId}/route`).set(asUser(shopper)).send({}).expect(400);
  });

  it('uses the new layout after a PUT, not a cached old graph', async () => {
    const app = buildApp(database, { orders });
    const locationId = knownLocation(orders);
    await request(app).put(`/store-layouts/${locationId}`).set(asUser(admin)).send(layout).expect(200);
    const before = await request(app)
      .post(`/store-layouts/${locationId}/route`)
      .set(asUser(shopper))
      .send({ productIds: [milk] })
      .expect(200);
    expect(before.body.totalDistance).toBe(11);
    const moved = { ...layout, placements: [{ nodeId: 'b', productId: milk }] };
    await request(app).put(`/store-layouts/${locationId}`).set(asUser(admin)).send(moved).expect(200);
    const after = await request(app)
      .post(`/store-layouts/${locationId}/route`)
      .set(asUser(shopper))
      .send({ productIds: [milk] })
      .expect(200);
    expect(after.body).toMatchObject({ layoutVersion: 2, totalDistance: 19 });
  });
});
