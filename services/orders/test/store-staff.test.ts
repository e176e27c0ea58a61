/**
 * Roles on the store-management routes: admins manage every location; store staff the locations, catalog,
 * stock and orders of their own retailer; staff of another retailer and shoppers get 403 (404 for orders)
 * and nothing changes. Each refusal is followed by a read of the rows it would have changed.
 */
import { testStaff } from '@cartwatch/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addToCart, as, createHarness, type Harness, nextGtin, testUser } from './harness.js';

let h: Harness;
const staffA = testStaff('alpha-foods');
const staffB = testStaff('beta-mart');
const shopper = testUser();
let locationA: string;
let locationB: string;

async function createLocationOf(storeSlug: string): Promise<string> {
  const response = await request(h.app)
    .post('/catalog/locations')
    .set(as(h.admin))
    .send({ storeSlug, name: `${storeSlug} main`, currency: 'USD' })
    .expect(201);
  return response.body.id;
}

async function createItemAt(locationId: string, name = `Item ${nextGtin()}`) {
  const response = await request(h.app)
    .post('/catalog/items')
    .set(as(h.admin))
    .send({ locationId, gtin: nextGtin(), name, priceCents: 300, onHand: 10 })
    .expect(201);
  return response.body as { id: string; productId: string; priceCents: number; onHand: number };
}

/** The catalog row as stored, for "nothing changed" checks. */
async function itemRow(id: string) {
  return h.database.db.selectFrom('catalog_item').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

async function placeOrderAt(locationId: string, productId: string): Promise<string> {
  await addToCart(h, shopper, locationId, productId, 1).expect(200);
  const response = await request(h.app)
    .post('/orders')
    .set(as(shopper))
    .set('Idempotency-Key', `staff-${nextGtin()}`)
    .send({ locationId })
    .expect(201);
  return response.body.id;
}

async function orderStatus(id: string): Promise<string> {
  const row = await h.database.db
    .selectFrom('order')
    .select('status')
    .where('id', '=', id)
    .executeTakeFirst();
  return row?.status ?? 'missing';
}

beforeAll(async () => {
  h = await createHarness('orders_staff');
  locationA = await createLocationOf('alpha-foods');
  locationB = await createLocationOf('beta-mart');
});
afterAll(() => h?.close());

describe('store locations', () => {
  it('lets staff create locations of their retailer only; shoppers none', async () => {
    const created = await request(h.app)
      .post('/catalog/locations')
      .set(as(staffA))
      .send({ storeSlug: 'alpha-foods', name: 'Alpha North', currency: 'USD' })
      .expect(201);
    expect(created.body.storeSlug).toBe('alpha-foods');
    const refused = await request(h.app)
      .post('/catalog/locations')
      .set(as(staffA))
      .send({ storeSlug: 'beta-mart', name: 'Beta by Alpha', currency: 'USD' })
      .expect(403);
    expect(refused.body.error).toMatchObject({
      code: 'FORBIDDEN',
      message: 'not staff of retailer beta-mart',
    });
    await request(h.app)
      .post('/catalog/locations')
      .set(as(shopper))
      .send({ storeSlug: 'alpha-foods', name: 'By a shopper', currency: 'USD' })
      .expect(403);
    const names = await h.database.db.selectFrom('store_location').select('name').execute();
    expect(names.map((row) => row.name)).not.toEqual(expect.arrayContaining(['Beta by Alpha']));
    expect(names.map((row) => row.name)).not.toEqual(expect.arrayContaining(['By a shopper']));
  });
});

describe('catalog items', () => {
  it('lets staff create, change, delete, restore and import at their own locations', async () => {
    const created = await request(h.app)
      .post('/catalog/items')
      .set(as(staffA))
      .send({ locationId: locationA, gtin: nextGtin(), name: 'Alpha Oats', priceCents: 199, onHand: 4 })
      .expect(201);
    const id = created.body.id;
    await request(h.app).patch(`/catalog/items/${id}`).set(as(staffA)).send({ priceCents: 249 }).expect(200);
    await request(h.app).patch(`/catalog/items/${id}`).set(as(staffA)).send({ active: false }).expect(200);
    // Its managers see the inactive item; a shopper does not.
    await request(h.app).get(`/catalog/items/${id}`).set(as(staffA)).expect(200);
    await request(h.app).get(`/catalog/items/${id}`).set(as(staffB)).expect(404);
    await request(h.app).get(`/catalog/items/${id}`).set(as(shopper)).expect(404);
    await request(h.app).delete(`/catalog/items/${id}`).set(as(staffA)).expect(200);
    const restored = await request(h.app).post(`/catalog/items/${id}/restore`).set(as(staffA)).expect(200);
    expect(restored.body).toMatchObject({ priceCents: 249, active: false, deletedAt: null });
    const imported = await request(h.app)
      .post('/catalog/import')
      .set(as(staffA))
      .send({ locationId: locationA, items: [{ gtin: nextGtin(), name: 'Alpha Rice', priceCents: 350 }] })
      .expect(200);
    expect(imported.body.created).toBe(1);
  });

  it('refuses staff of another retailer and shoppers on every write, and changes nothing', async () => {
    const item = await createItemAt(locationB, 'Beta Beans');
    const before = await itemRow(item.id);
    const writes = [
      () =>
        request(h.app)
          .post('/catalog/items')
          .send({ locationId: locationB, gtin: nextGtin(), name: 'Beta by Alpha', priceCents: 1 }),
      () => request(h.app).patch(`/catalog/items/${item.id}`).send({ priceCents: 1, name: 'taken' }),
      () => request(h.app).delete(`/catalog/items/${item.id}`),
      () => request(h.app).post(`/catalog/items/${item.id}/restore`),
      () =>
        request(h.app)
          .post('/catalog/import')
          .send({
            locationId: locationB,
            items: [{ productId: item.productId, name: 'taken', priceCents: 1 }],
          }),
      () =>
        request(h.app).post(`/inventory/items/${item.id}/adjustments`).send({ delta: -5, reason: 'theft' }),
    ];
    for (const write of writes) {
      const asOtherStaff = await write().set(as(staffA));
      expect(asOtherStaff.status, asOtherStaff.text).toBe(403);
      expect(asOtherStaff.body.error.message).toBe('not staff of retailer beta-mart');
      const asShopper = await write().set(as(shopper));
      expect(asShopper.status, asShopper.text).toBe(403);
    }
    expect(await itemRow(item.id)).toEqual(before);
    const atB = await h.database.db
      .selectFrom('catalog_item')
      .select('name')
      .where('location_id', '=', locationB)
      .execute();
    expect(atB.map((row) => row.name)).toEqual(['Beta Beans']);
    const events = await h.database.pool.query(
      `select 1 from ${h.database.schema}.outbox where type = 'catalog.price-set.v1' and payload->'data'->>'priceCents' = '1'`,
    );
    expect(events.rowCount).toBe(0);
  });

  it('lets admins and the staff of the location browse inactive and deleted items, nobody else', async () => {
    const item = await createItemAt(locationB, 'Beta Hidden Tea');
    await request(h.app)
      .patch(`/catalog/items/${item.id}`)
      .set(as(h.admin))
      .send({ active: false })
      .expect(200);
    for (const manager of [h.admin, staffB]) {
      const browse = await request(h.app)
        .get('/catalog')
        .query({ location: locationB, q: 'hidden tea', includeInactive: 'true' })
        .set(as(manager))
        .expect(200);
      expect(browse.body.items.map((row: { id: string }) => row.id)).toEqual([item.id]);
    }
    for (const outsider of [staffA, shopper]) {
      const refused = await request(h.app)
        .get('/catalog')
        .query({ location: locationB, includeInactive: 'true' })
        .set(as(outsider))
        .expect(403);
      expect(refused.body.error.code).toBe('FORBIDDEN');
    }
  });
});

describe('stock adjustments', () => {
  it('lets staff adjust their own stock; staff of another retailer and shoppers change nothing', async () => {
    const own = await createItemAt(locationA);
    const adjusted = await request(h.app)
      .post(`/inventory/items/${own.id}/adjustments`)
      .set(as(staffA))
      .send({ delta: 5, reason: 'delivery' })
      .expect(200);
    expect(adjusted.body.onHand).toBe(15);
    await request(h.app)
      .post(`/inventory/items/${own.id}/adjustments`)
      .set(as(staffB))
      .send({ delta: -15, reason: 'theft' })
      .expect(403);
    await request(h.app)
      .post(`/inventory/items/${own.id}/adjustments`)
      .set(as(shopper))
      .send({ delta: -15, reason: 'theft' })
      .expect(403);
    expect((await itemRow(own.id)).on_hand).toBe(15);
  });
});

describe('orders', () => {
  let orderA: string;
  let orderB: string;

  beforeAll(async () => {
    orderA = await placeOrderAt(locationA, (await createItemAt(locationA)).productId);
    orderB = await placeOrderAt(locationB, (await createItemAt(locationB)).productId);
  });

  it("lists every order to admins, the retailer's orders to staff, and refuses shoppers", async () => {
    const asAdmin = await request(h.app).get('/orders?all=true&limit=100').set(as(h.admin)).expect(200);
    expect(asAdmin.body.items.map((order: { id: string }) => order.id)).toEqual(
      expect.arrayContaining([orderA, orderB]),
    );
    const asStaff = await request(h.app).get('/orders?all=true&limit=100').set(as(staffA)).expect(200);
    const ids = asStaff.body.items.map((order: { id: string }) => order.id);
    expect(ids).toContain(orderA);
    expect(ids).not.toContain(orderB);
    expect(asStaff.body.items.every((order: { locationId: string }) => order.locationId !== locationB)).toBe(
      true,
    );
    const refused = await request(h.app).get('/orders?all=true').set(as(shopper)).expect(403);
    expect(refused.body.error.code).toBe('FORBIDDEN');
    // Without `all`, staff see their own orders as shoppers (none here).
    const own = await request(h.app).get('/orders').set(as(staffA)).expect(200);
    expect(own.body.items).toEqual([]);
  });

  it("lets staff read their retailer's orders and their history; another retailer's are 404", async () => {
    await request(h.app).get(`/orders/${orderA}`).set(as(staffA)).expect(200);
    await request(h.app).get(`/orders/${orderA}/history`).set(as(staffA)).expect(200);
    await request(h.app).get(`/orders/${orderB}`).set(as(staffA)).expect(404);
    await request(h.app).get(`/orders/${orderB}/history`).set(as(staffA)).expect(404);
    await request(h.app).get(`/orders/${orderA}`).set(as(testUser())).expect(404);
  });

  it("lets staff move their retailer's orders; staff of another retailer get 404 and shoppers 403", async () => {
    const otherStaff = await request(h.app)
      .patch(`/orders/${orderB}/status`)
      .set(as(staffA))
      .send({ status: 'CANCELLED', reason: 'not mine' })
      .expect(404);
    expect(otherStaff.body.error.code).toBe('NOT_FOUND');
    await request(h.app)
      .patch(`/orders/${orderA}/status`)
      .set(as(shopper))
      .send({ status: 'CANCELLED', reason: 'owner on the staff route' })
      .expect(403);
    expect(await orderStatus(orderB)).toBe('PENDING');
    expect(await orderStatus(orderA)).toBe('PENDING');
    const history = await h.database.db
      .selectFrom('order_status_history')
      .select('to_status')
      .where('order_id', 'in', [orderA, orderB])
      .execute();
    expect(history.map((row) => row.to_status)).toEqual(['PENDING', 'PENDING']);

    const cancelled = await request(h.app)
      .patch(`/orders/${orderA}/status`)
      .set(as(staffA))
      .send({ status: 'CANCELLED', reason: 'the customer called' })
      .expect(200);
    expect(cancelled.body.status).toBe('CANCELLED');
    const last = await request(h.app).get(`/orders/${orderA}/history`).set(as(shopper)).expect(200);
    expect(last.body.items.at(-1)).toMatchObject({ to: 'CANCELLED', actor: `staff:${staffA.id}` });
    await request(h.app)
      .patch(`/orders/${orderB}/status`)
      .set(as(h.admin))
      .send({ status: 'CANCELLED', reason: 'admin' })
      .expect(200);
  });
});

describe('internal location routes for cart-device', () => {
  it("answers a location with its retailer, and a retailer's location ids, with the service key", async () => {
    const headers = { 'X-Service-Key': as(h.admin)['X-Service-Key'] as string };
    const location = await request(h.app).get(`/internal/locations/${locationA}`).set(headers).expect(200);
    expect(location.body).toMatchObject({ id: locationA, storeSlug: 'alpha-foods' });
    await request(h.app)
      .get('/internal/locations/0190f0c4-0000-7000-8000-000000000001')
      .set(headers)
      .expect(404);
    const ids = await request(h.app).get('/internal/locations?store=beta-mart').set(headers).expect(200);
    expect(ids.body).toEqual({ storeSlug: 'beta-mart', locationIds: [locationB] });
    const none = await request(h.app).get('/internal/locations?store=no-such-store').set(headers).expect(200);
    expect(none.body.locationIds).toEqual([]);
    await request(h.app).get(`/internal/locations/${locationA}`).expect(401);
  });
});
