/**
 * Roles on carts and layouts: admins manage every location's carts and layout; store staff those of
 * their retailer's locations (orders says which retailer a location belongs to, here a loopback fake of
 * its internal routes); staff of another retailer get 403/404, shoppers 403, and nothing changes. A cart
 * or layout for a location orders does not know is refused.
 */
import { newId } from '@cartwatch/db';
import { TEST_SERVICE_KEY, testAdmin, testStaff, testUser } from '@cartwatch/testing';
import type { Express } from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../src/db/schema.js';
import { type FakeOrders, startFakeOrders } from './fake-orders.js';
import {
  asDevice,
  asUser,
  buildApp,
  createDatabase,
  knownLocation,
  type RegisteredCart,
  registerCart,
  type TestDatabase,
} from './harness.js';

let database: TestDatabase<DB>;
let orders: FakeOrders;
let app: Express;
const admin = testAdmin();
const staffA = testStaff('alpha-foods');
const staffB = testStaff('beta-mart');
const shopper = testUser();
let locationA: string;
let locationB: string;
let cartB: RegisteredCart;

const layout = {
  nodes: [
    { id: 'entrance', kind: 'entrance', x: 0, y: 0 },
    { id: 'a', kind: 'aisle', x: 4, y: 0, label: 'Dairy' },
    { id: 'checkout', kind: 'checkout', x: 0, y: 3 },
  ],
  edges: [
    { from: 'entrance', to: 'a', distance: 4 },
    { from: 'a', to: 'checkout', distance: 5 },
  ],
  placements: [{ nodeId: 'a', category: 'Dairy' }],
};

/** The device and key rows as stored, for "nothing changed" checks. */
async function deviceState(id: string) {
  const device = await database.db.selectFrom('device').selectAll().where('id', '=', id).executeTakeFirst();
  const keys = await database.db
    .selectFrom('device_key')
    .select(['id', 'expires_at', 'revoked_at'])
    .where('device_id', '=', id)
    .orderBy('id')
    .execute();
  return { device, keys };
}

beforeAll(async () => {
  database = await createDatabase('cart_device_staff');
  orders = await startFakeOrders(TEST_SERVICE_KEY);
  locationA = knownLocation(orders, 'alpha-foods');
  locationB = knownLocation(orders, 'beta-mart');
  app = buildApp(database, { orders });
  cartB = await registerCart(app, admin, locationB, 'Beta cart');
});
afterAll(async () => {
  await orders.close();
  await database.drop();
});

describe('registering carts', () => {
  it("lets staff register carts at their retailer's locations", async () => {
    const cart = await registerCart(app, staffA, locationA, 'Alpha cart');
    await request(app).post('/device/heartbeat').set(asDevice(cart.key)).send({}).expect(200);
  });

  it('refuses staff of another retailer (403) and shoppers (403), registering nothing', async () => {
    const otherStaff = await request(app)
      .post('/devices')
      .set(asUser(staffA))
      .send({ locationId: locationB, name: 'Beta cart by Alpha' })
      .expect(403);
    expect(otherStaff.body.error).toMatchObject({
      code: 'FORBIDDEN',
      message: 'not staff of retailer beta-mart',
    });
    await request(app)
      .post('/devices')
      .set(asUser(shopper))
      .send({ locationId: locationA, name: 'Cart by a shopper' })
      .expect(403);
    const names = await database.db.selectFrom('device').select('name').execute();
    expect(names.map((row) => row.name)).not.toContain('Beta cart by Alpha');
    expect(names.map((row) => row.name)).not.toContain('Cart by a shopper');
  });

  it('refuses a cart for a location orders does not know, even from an admin', async () => {
    const nowhere = newId();
    const refused = await request(app)
      .post('/devices')
      .set(asUser(admin))
      .send({ locationId: nowhere, name: 'Nowhere cart' })
      .expect(404);
    expect(refused.body.error).toMatchObject({ code: 'NOT_FOUND', message: 'store location not found' });
    const rows = await database.db
      .selectFrom('device')
      .select('id')
      .where('location_id', '=', nowhere)
      .execute();
    expect(rows).toEqual([]);
  });
});

describe('managing carts', () => {
  it("lists every cart to admins and their retailer's carts to staff", async () => {
    const own = await registerCart(app, staffA, locationA, 'Alpha listed');
    const all = await request(app).get('/devices?limit=100').set(asUser(admin)).expect(200);
    expect(all.body.items.map((device: { id: string }) => device.id)).toEqual(
      expect.arrayContaining([own.id, cartB.id]),
    );
    const asStaff = await request(app).get('/devices?limit=100').set(asUser(staffA)).expect(200);
    const ids = asStaff.body.items.map((device: { id: string }) => device.id);
    expect(ids).toContain(own.id);
    expect(ids).not.toContain(cartB.id);
    expect(
      asStaff.body.items.every((device: { locationId: string }) => device.locationId === locationA),
    ).toBe(true);
    const otherLocation = await request(app)
      .get(`/devices?location=${locationB}`)
      .set(asUser(staffA))
      .expect(200);
    expect(otherLocation.body.items).toEqual([]);
    await request(app).get('/devices').set(asUser(shopper)).expect(403);
    // A retailer without locations has no carts.
    const lonely = await request(app)
      .get('/devices')
      .set(asUser(testStaff('no-stores-yet')))
      .expect(200);
    expect(lonely.body).toEqual({ items: [], nextCursor: null });
  });

  it("lets staff read, rotate and revoke their retailer's carts", async () => {
    const own = await registerCart(app, staffA, locationA, 'Alpha managed');
    await request(app).get(`/devices/${own.id}`).set(asUser(staffA)).expect(200);
    const rotated = await request(app)
      .post(`/devices/${own.id}/rotate-key`)
      .set(asUser(staffA))
      .send({})
      .expect(201);
    await request(app).post('/device/heartbeat').set(asDevice(rotated.body.key.key)).send({}).expect(200);
    const revoked = await request(app).post(`/devices/${own.id}/revoke`).set(asUser(staffA)).expect(200);
    expect(revoked.body.revokedAt).toEqual(expect.any(String));
    await request(app).post('/device/heartbeat').set(asDevice(rotated.body.key.key)).send({}).expect(401);
  });

  it('answers 404 to staff of another retailer and 403 to shoppers on a cart, changing nothing', async () => {
    const before = await deviceState(cartB.id);
    for (const user of [staffA, shopper]) {
      const expected = user === shopper ? 403 : 404;
      await request(app).get(`/devices/${cartB.id}`).set(asUser(user)).expect(expected);
      await request(app)
        .post(`/devices/${cartB.id}/rotate-key`)
        .set(asUser(user))
        .send({ graceSeconds: 0 })
        .expect(expected);
      await request(app).post(`/devices/${cartB.id}/revoke`).set(asUser(user)).expect(expected);
    }
    expect(await deviceState(cartB.id)).toEqual(before);
    await request(app).post('/device/heartbeat').set(asDevice(cartB.key)).send({}).expect(200);
    // Its own staff and admins still manage it.
    await request(app).get(`/devices/${cartB.id}`).set(asUser(staffB)).expect(200);
    await request(app).get(`/devices/${cartB.id}`).set(asUser(admin)).expect(200);
  });
});

describe('store layouts', () => {
  it("lets staff write their retailer's layouts; another retailer's staff and shoppers get 403", async () => {
    const stored = await request(app)
      .put(`/store-layouts/${locationA}`)
      .set(asUser(staffA))
      .send(layout)
      .expect(200);
    expect(stored.body).toMatchObject({ locationId: locationA, version: 1 });
    const refused = await request(app)
      .put(`/store-layouts/${locationA}`)
      .set(asUser(staffB))
      .send(layout)
      .expect(403);
    expect(refused.body.error.message).toBe('not staff of retailer alpha-foods');
    await request(app).put(`/store-layouts/${locationA}`).set(asUser(shopper)).send(layout).expect(403);
    await request(app).put(`/store-layouts/${locationB}`).set(asUser(staffA)).send(layout).expect(403);
    const read = await request(app).get(`/store-layouts/${locationA}`).set(asUser(shopper)).expect(200);
    expect(read.body.version).toBe(1);
    await request(app).get(`/store-layouts/${locationB}`).set(asUser(shopper)).expect(404);
  });

  it('refuses a layout for a location orders does not know', async () => {
    const nowhere = newId();
    await request(app).put(`/store-layouts/${nowhere}`).set(asUser(admin)).send(layout).expect(404);
    await request(app).get(`/store-layouts/${nowhere}`).set(asUser(admin)).expect(404);
  });
});
