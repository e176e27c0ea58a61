import type { UserRole } from '@cartwatch/common-types';
/** Scans from a paired cart into the shopper's cart, through a loopback fake of orders' internal API. */
import { newId } from '@cartwatch/db';
import { TEST_SERVICE_KEY, testAdmin, testUser } from '@cartwatch/testing';
import type { Express } from 'express';
import { sql } from 'kysely';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DB } from '../src/db/schema.js';
import { type FakeOrders, startFakeOrders } from './fake-orders.js';
import {
  asDevice,
  asUser,
  buildApp,
  createDatabase,
  pair,
  type RegisteredCart,
  registerCart,
  type TestDatabase,
} from './harness.js';

let database: TestDatabase<DB>;
let orders: FakeOrders;
let app: Express;
const admin = testAdmin();
const locationId = newId();
const milk = { productId: newId(), gtin: '0001234567890', name: 'Milk 1 l', priceCents: 129 };
const bread = { productId: newId(), gtin: '4006381333931', name: 'Bread', priceCents: 250 };

beforeAll(async () => {
  database = await createDatabase('cart_device_scans');
  orders = await startFakeOrders(TEST_SERVICE_KEY);
  orders.catalog.set(locationId, [milk, bread]);
  orders.locations.set(locationId, 'test-mart');
  app = buildApp(database, { orders });
});
afterAll(async () => {
  await orders.close();
  await database.drop();
});
beforeEach(() => {
  orders.writes.length = 0;
});

async function pairedCart(): Promise<{
  cart: RegisteredCart;
  shopper: { id: string; role: UserRole };
}> {
  const cart = await registerCart(app, admin, locationId);
  const shopper = testUser();
  await pair(app, cart, shopper);
  return { cart, shopper };
}

const scan = (cart: RegisteredCart, body: Record<string, unknown>) =>
  request(app).post('/device/scans').set(asDevice(cart.key)).send(body);

describe('scans', () => {
  it("puts the scanned product into the paired shopper's cart and answers the cart for the screen", async () => {
    const { cart, shopper } = await pairedCart();
    const response = await scan(cart, {
      scanId: 's-1',
      barcode: milk.gtin,
      quantity: 2,
      action: 'add',
    }).expect(200);
    expect(response.body).toEqual({
      scanId: 's-1',
      action: 'add',
      productId: milk.productId,
      productName: 'Milk 1 l',
      quantity: 2,
      replayed: false,
      cart: {
        itemCount: 2,
        subtotalCents: 258,
        currency: 'USD',
        lines: [{ productId: milk.productId, name: 'Milk 1 l', quantity: 2, lineTotalCents: 258 }],
      },
    });
    expect(orders.writes).toEqual([
      { userId: shopper.id, path: `/internal/carts/${shopper.id}/items`, gtin: milk.gtin, quantity: 2 },
    ]);
    const outbox = await sql<{ payload: { type: string; userId: string; data: Record<string, unknown> } }>`
      select payload from outbox where payload->>'type' = 'device.scanned.v1' and payload->>'subjectId' = ${cart.id}`.execute(
      database.db,
    );
    expect(outbox.rows.map((row) => row.payload)).toEqual([
      expect.objectContaining({
        userId: shopper.id,
        data: {
          deviceId: cart.id,
          userId: shopper.id,
          scanId: 's-1',
          barcode: milk.gtin,
          productId: milk.productId,
          action: 'add',
          quantity: 2,
        },
      }),
    ]);
  });

  it('adds one item when the same scan is sent five times', async () => {
    const { cart } = await pairedCart();
    const body = { scanId: 'retry-1', barcode: bread.gtin, action: 'add' };
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push((await scan(cart, body).expect(200)).body);
    expect(orders.writes).toHaveLength(1);
    expect(answers.map((answer) => answer.replayed)).toEqual([false, true, true, true, true]);
    expect(answers.every((answer) => answer.cart.itemCount === 1)).toBe(true);
  });

  it('adds one item when the same scan arrives five times at once', async () => {
    const { cart } = await pairedCart();
    const body = { scanId: 'burst-1', barcode: milk.gtin, action: 'add' };
    const answers = await Promise.all(Array.from({ length: 5 }, () => scan(cart, body)));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
    expect(orders.writes).toHaveLength(1);
    expect(answers.filter((answer) => !answer.body.replayed)).toHaveLength(1);
  });

  it('refuses a scanId reused for a different scan', async () => {
    const { cart } = await pairedCart();
    await scan(cart, { scanId: 'same', barcode: milk.gtin, action: 'add' }).expect(200);
    const reused = await scan(cart, { scanId: 'same', barcode: bread.gtin, action: 'add' }).expect(409);
    expect(reused.body.error.code).toBe('CONFLICT');
    expect(orders.writes).toHaveLength(1);
  });

  it('answers 404 with the barcode for an unknown barcode, and applies nothing', async () => {
    const { cart } = await pairedCart();
    const unknown = await scan(cart, { scanId: 'u-1', barcode: '99999999', action: 'add' }).expect(404);
    expect(unknown.body.error).toMatchObject({ code: 'NOT_FOUND', details: { barcode: '99999999' } });
    expect(orders.writes).toEqual([]);
    // The failed scan left no claim behind: once the store sells it, the same scanId works.
    orders.catalog
      .get(locationId)
      ?.push({ productId: newId(), gtin: '99999999', name: 'New', priceCents: 1 });
    await scan(cart, { scanId: 'u-1', barcode: '99999999', action: 'add' }).expect(200);
  });

  it('removes units and reports the product even when its last unit leaves the cart', async () => {
    const { cart } = await pairedCart();
    await scan(cart, { scanId: 'a', barcode: bread.gtin, action: 'add' }).expect(200);
    const removed = await scan(cart, { scanId: 'r', barcode: bread.gtin, action: 'remove' }).expect(200);
    expect(removed.body).toMatchObject({
      productId: bread.productId,
      productName: 'Bread',
      cart: { itemCount: 0, lines: [] },
    });
    const again = await scan(cart, { scanId: 'r2', barcode: bread.gtin, action: 'remove' }).expect(404);
    expect(again.body.error.details).toEqual({ barcode: bread.gtin });
  });

  it('keys scans by pairing session: the next shopper of a cart reusing scan ids gets their own scans', async () => {
    const { cart, shopper: first } = await pairedCart();
    await scan(cart, { scanId: 'n-1', barcode: milk.gtin, action: 'add' }).expect(200);
    await request(app).delete('/device/session').set(asDevice(cart.key)).expect(204);
    const second = testUser();
    await pair(app, cart, second);

    const same = await scan(cart, { scanId: 'n-1', barcode: milk.gtin, action: 'add' }).expect(200);
    const other = await scan(cart, { scanId: 'n-1', barcode: bread.gtin, action: 'add' });
    expect(same.body.replayed).toBe(false);
    // Within the second session n-1 is now taken: a different scan under it is refused, as ever.
    expect(other.status).toBe(409);
    expect(orders.writes.map((write) => [write.userId, write.gtin])).toEqual([
      [first.id, milk.gtin],
      [second.id, milk.gtin],
    ]);
  });

  it('refuses scans from a cart nobody is paired with', async () => {
    const cart = await registerCart(app, admin, locationId);
    await scan(cart, { scanId: 'x', barcode: milk.gtin, action: 'add' }).expect(409);
    expect(orders.writes).toEqual([]);
  });

  it("writes into the paired shopper's cart only, never another user's", async () => {
    const first = await pairedCart();
    const second = await pairedCart();
    await scan(first.cart, { scanId: 'one', barcode: milk.gtin, action: 'add' }).expect(200);
    await scan(second.cart, { scanId: 'one', barcode: bread.gtin, action: 'add' }).expect(200);
    expect(orders.writes.map((write) => [write.userId, write.gtin])).toEqual([
      [first.shopper.id, milk.gtin],
      [second.shopper.id, bread.gtin],
    ]);
  });

  it('rejects malformed scans with per-field issues', async () => {
    const { cart } = await pairedCart();
    const bad = await scan(cart, { scanId: 'has space', barcode: 'abc', action: 'steal', extra: 1 }).expect(
      400,
    );
    expect(bad.body.error.details.issues.map((issue: { path: string }) => issue.path).sort()).toEqual([
      'action',
      'barcode',
      'extra',
      'scanId',
    ]);
  });

  it('answers 502/503 when orders is unreachable and lets the retry apply the scan later', async () => {
    const { cart } = await pairedCart();
    const offline = buildApp(database, { env: { ORDERS_URL: 'http://127.0.0.1:9' } });
    const failed = await request(offline)
      .post('/device/scans')
      .set(asDevice(cart.key))
      .send({ scanId: 'net', barcode: milk.gtin, action: 'add' });
    expect(failed.body.error.code).toBe('UPSTREAM_UNAVAILABLE');
    await scan(cart, { scanId: 'net', barcode: milk.gtin, action: 'add' }).expect(200);
    expect(orders.writes).toHaveLength(1);
  });
});

describe('the route for the paired cart', () => {
  it("walks to the shelves of the shopper's cart", async () => {
    const { cart, shopper } = await pairedCart();
    await request(app)
      .put(`/store-layouts/${locationId}`)
      .set(asUser(admin))
      .send({
        nodes: [
          { id: 'in', kind: 'entrance', x: 0, y: 0 },
          { id: 'dairy', kind: 'aisle', x: 5, y: 0 },
          { id: 'bakery', kind: 'aisle', x: 10, y: 0 },
          { id: 'out', kind: 'checkout', x: 0, y: 2 },
        ],
        edges: [
          { from: 'in', to: 'dairy', distance: 5 },
          { from: 'dairy', to: 'bakery', distance: 5 },
          { from: 'in', to: 'out', distance: 2 },
        ],
        placements: [
          { nodeId: 'dairy', productId: milk.productId },
          { nodeId: 'bakery', productId: bread.productId },
        ],
      })
      .expect(200);
    await scan(cart, { scanId: 'm', barcode: milk.gtin, action: 'add' }).expect(200);
    const route = await request(app).get('/device/route').set(asDevice(cart.key)).expect(200);
    expect(route.body).toMatchObject({ totalDistance: 12, path: ['in', 'dairy', 'in', 'out'] });
    expect(route.body.stops).toEqual([
      expect.objectContaining({ nodeId: 'dairy', productIds: [milk.productId] }),
    ]);
    const mine = await request(app)
      .post(`/store-layouts/${locationId}/route`)
      .set(asUser(shopper))
      .send({ cart: true, productIds: [bread.productId] })
      .expect(200);
    expect(mine.body.totalDistance).toBe(22);
  });
});

describe('user deletion', () => {
  it("deletes the user's scans and sessions on user.deleted.v1", async () => {
    const { userDeletedHandler } = await import('../src/events/user-deleted.handler.js');
    const { cart, shopper } = await pairedCart();
    await scan(cart, { scanId: 'gone', barcode: milk.gtin, action: 'add' }).expect(200);
    await database.db.transaction().execute((trx) =>
      userDeletedHandler.handle(
        trx,
        {
          id: newId(),
          type: 'user.deleted.v1',
          source: 'gateway',
          occurredAt: new Date().toISOString(),
          data: { userId: shopper.id },
        },
        { working: () => {}, deliveryCount: 1 },
      ),
    );
    const scansLeft = await database.db
      .selectFrom('device_scan')
      .select('scan_id')
      .where('user_id', '=', shopper.id)
      .execute();
    expect(scansLeft).toEqual([]);
    await request(app).get('/device/route').set(asDevice(cart.key)).expect(409);
  });
});
