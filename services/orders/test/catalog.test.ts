/**
 * Store catalog: admin CRUD with GTIN resolution through price-watch, price changes publishing
 * catalog.price-set.v1, stock adjustments that never undercut reservations, soft delete and restore,
 * bulk import, and browsing with search and cursor.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addToCart,
  as,
  createHarness,
  createItem,
  createLocation,
  type Harness,
  nextGtin,
  outboxEvents,
  productIdForGtin,
  testUser,
} from './harness.js';

let h: Harness;
let locationId: string;

beforeAll(async () => {
  h = await createHarness('orders_catalog');
  locationId = await createLocation(h, { currency: 'EUR' });
});
afterAll(() => h.close());

describe('catalog items', () => {
  it('creates an item from a GTIN resolved by price-watch and publishes its price', async () => {
    const gtin = nextGtin();
    h.priceWatch.calls.length = 0;
    const response = await request(h.app)
      .post('/catalog/items')
      .set(as(h.admin))
      .send({ locationId, gtin, name: 'Whole milk 1 l', brand: 'Alpine', priceCents: 129, onHand: 40 })
      .expect(201);
    expect(response.body).toMatchObject({
      locationId,
      productId: productIdForGtin(gtin),
      gtin,
      priceCents: 129,
      currency: 'EUR',
      onHand: 40,
      reserved: 0,
      available: 40,
      active: true,
      deletedAt: null,
    });
    expect(h.priceWatch.calls).toEqual([
      expect.objectContaining({
        path: '/internal/products/resolve',
        body: { gtin, name: 'Whole milk 1 l', brand: 'Alpine' },
      }),
    ]);
    const events = (await outboxEvents(h, 'catalog.price-set.v1')).filter(
      (e) => e.data.productId === response.body.productId,
    );
    expect(events.map((e) => e.data)).toEqual([
      expect.objectContaining({ locationId, storeSlug: 'acme', gtin, priceCents: 129, currency: 'EUR' }),
    ]);
    expect(events[0]?.data).not.toHaveProperty('previousPriceCents');
  });

  it('publishes catalog.price-set.v1 with the previous price only when the price changes', async () => {
    const item = await createItem(h, locationId, { priceCents: 200 });
    await request(h.app)
      .patch(`/catalog/items/${item.id}`)
      .set(as(h.admin))
      .send({ name: 'Renamed' })
      .expect(200);
    await request(h.app)
      .patch(`/catalog/items/${item.id}`)
      .set(as(h.admin))
      .send({ priceCents: 200 })
      .expect(200);
    await request(h.app)
      .patch(`/catalog/items/${item.id}`)
      .set(as(h.admin))
      .send({ priceCents: 180 })
      .expect(200);
    const events = (await outboxEvents(h, 'catalog.price-set.v1')).filter(
      (e) => e.data.productId === item.productId,
    );
    expect(events.map((e) => [e.data.priceCents, e.data.previousPriceCents])).toEqual([
      [200, undefined],
      [180, 200],
    ]);
  });

  it('answers 409 when the location already sells the product', async () => {
    const item = await createItem(h, locationId);
    const response = await request(h.app)
      .post('/catalog/items')
      .set(as(h.admin))
      .send({ locationId, gtin: item.gtin, name: 'Again', priceCents: 1 })
      .expect(409);
    expect(response.body.error.code).toBe('CONFLICT');
  });

  it('answers 503 when price-watch is down, creating nothing', async () => {
    h.priceWatch.failWith = 503;
    try {
      const response = await request(h.app)
        .post('/catalog/items')
        .set(as(h.admin))
        .send({ locationId, gtin: nextGtin(), name: 'X', priceCents: 1 });
      expect(response.status).toBe(503);
      expect(response.body.error.code).toBe('UPSTREAM_UNAVAILABLE');
    } finally {
      h.priceWatch.failWith = undefined;
    }
  });

  it('refuses writes from shoppers', async () => {
    const user = testUser();
    await request(h.app)
      .post('/catalog/items')
      .set(as(user))
      .send({ locationId, gtin: nextGtin(), name: 'X', priceCents: 1 })
      .expect(403);
    await request(h.app)
      .post('/catalog/locations')
      .set(as(user))
      .send({ storeSlug: 'x', name: 'x', currency: 'USD' })
      .expect(403);
    await request(h.app).post('/catalog/import').set(as(user)).send({ locationId, items: [] }).expect(403);
  });

  it('rejects unknown fields and a missing product reference', async () => {
    const response = await request(h.app)
      .post('/catalog/items')
      .set(as(h.admin))
      .send({ locationId, name: 'X', priceCents: 1, reserved: 5 })
      .expect(400);
    const paths = response.body.error.details.issues.map((i: { path: string }) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['reserved', 'productId']));
  });
});

describe('stock adjustments', () => {
  it('adds and removes units but never below what open orders reserve', async () => {
    const item = await createItem(h, locationId, { onHand: 5 });
    const user = testUser();
    await addToCart(h, user, locationId, item.productId, 3);
    await request(h.app)
      .post('/orders')
      .set(as(user))
      .set('Idempotency-Key', 'adj')
      .send({ locationId })
      .expect(201);
    const down = await request(h.app)
      .post(`/inventory/items/${item.id}/adjustments`)
      .set(as(h.admin))
      .send({ delta: -2, reason: 'count' })
      .expect(200);
    expect(down.body).toMatchObject({ onHand: 3, reserved: 3, available: 0 });
    const refused = await request(h.app)
      .post(`/inventory/items/${item.id}/adjustments`)
      .set(as(h.admin))
      .send({ delta: -1, reason: 'count' })
      .expect(409);
    expect(refused.body.error.details).toMatchObject({ reason: 'STOCK_RESERVED', onHand: 3, reserved: 3 });
    const up = await request(h.app)
      .post(`/inventory/items/${item.id}/adjustments`)
      .set(as(h.admin))
      .send({ delta: 10, reason: 'delivery' })
      .expect(200);
    expect(up.body).toMatchObject({ onHand: 13, available: 10 });
  });
});

describe('soft delete and restore', () => {
  it('hides a deleted item from shoppers, keeps it for admins, and restores it', async () => {
    const item = await createItem(h, locationId, { name: 'Soft deleted soup' });
    const user = testUser();
    const deleted = await request(h.app).delete(`/catalog/items/${item.id}`).set(as(h.admin)).expect(200);
    expect(deleted.body.deletedAt).toEqual(expect.any(String));
    await request(h.app).get(`/catalog/items/${item.id}`).set(as(user)).expect(404);
    await request(h.app).get(`/catalog/items/${item.id}`).set(as(h.admin)).expect(200);
    const browse = await request(h.app)
      .get('/catalog')
      .query({ location: locationId, q: 'soft deleted' })
      .set(as(user))
      .expect(200);
    expect(browse.body.items).toEqual([]);
    const adminBrowse = await request(h.app)
      .get('/catalog')
      .query({ location: locationId, q: 'soft deleted', includeDeleted: 'true' })
      .set(as(h.admin))
      .expect(200);
    expect(adminBrowse.body.items).toHaveLength(1);
    await request(h.app)
      .get('/catalog')
      .query({ location: locationId, includeDeleted: 'true' })
      .set(as(user))
      .expect(403);
    const restored = await request(h.app)
      .post(`/catalog/items/${item.id}/restore`)
      .set(as(h.admin))
      .expect(200);
    expect(restored.body.deletedAt).toBeNull();
    await request(h.app).get(`/catalog/items/${item.id}`).set(as(user)).expect(200);
  });
});

describe('GET /catalog', () => {
  it('searches by name, brand or GTIN and pages by name with a cursor', async () => {
    const location = await createLocation(h);
    const names = ['Apple juice', 'Apricot jam', 'Banana', 'Apple pie'];
    const created = [];
    for (const name of names) created.push(await createItem(h, location, { name }));
    const user = testUser();
    const first = await request(h.app)
      .get('/catalog')
      .query({ location, q: 'ap', limit: 2 })
      .set(as(user))
      .expect(200);
    expect(first.body.items.map((i: { name: string }) => i.name)).toEqual(['Apple juice', 'Apple pie']);
    const second = await request(h.app)
      .get('/catalog')
      .query({ location, q: 'ap', limit: 2, cursor: first.body.nextCursor })
      .set(as(user))
      .expect(200);
    expect(second.body).toEqual({
      items: [expect.objectContaining({ name: 'Apricot jam' })],
      nextCursor: null,
    });
    const byGtin = await request(h.app)
      .get('/catalog')
      .query({ location, q: created[2]?.gtin })
      .set(as(user))
      .expect(200);
    expect(byGtin.body.items.map((i: { name: string }) => i.name)).toEqual(['Banana']);
    // A scanner reads a UPC-A as its EAN-13 or GTIN-14 form (leading zeros): any form finds the item.
    const upcA = '036000291452';
    await createItem(h, location, { name: 'Tissues', gtin: upcA });
    for (const form of [upcA, `0${upcA}`, `00${upcA}`]) {
      const found = await request(h.app)
        .get('/catalog')
        .query({ location, q: form })
        .set(as(user))
        .expect(200);
      expect(found.body.items.map((i: { name: string }) => i.name)).toEqual(['Tissues']);
    }
    const literal = await request(h.app)
      .get('/catalog')
      .query({ location, q: '%' })
      .set(as(user))
      .expect(200);
    expect(literal.body.items).toEqual([]);
    await request(h.app).get('/catalog').query({ location, cursor: 'garbage' }).set(as(user)).expect(400);
  });
});

describe('POST /catalog/import', () => {
  it('creates, updates and leaves unchanged in one go, keeping stock that the import does not state', async () => {
    const location = await createLocation(h);
    const existing = await createItem(h, location, { name: 'Tea', priceCents: 400, onHand: 7 });
    const same = await createItem(h, location, { name: 'Coffee', priceCents: 900, onHand: 2 });
    const fresh = nextGtin();
    const response = await request(h.app)
      .post('/catalog/import')
      .set(as(h.admin))
      .send({
        locationId: location,
        items: [
          { gtin: existing.gtin, name: 'Tea', priceCents: 450 },
          { gtin: same.gtin, name: 'Coffee', priceCents: 900 },
          { gtin: fresh, name: 'Cocoa', priceCents: 300, onHand: 12 },
        ],
      })
      .expect(200);
    expect(response.body).toMatchObject({ created: 1, updated: 1, unchanged: 1 });
    const byName = Object.fromEntries(response.body.items.map((i: { name: string }) => [i.name, i]));
    expect(byName.Tea).toMatchObject({ priceCents: 450, onHand: 7 });
    expect(byName.Cocoa).toMatchObject({ priceCents: 300, onHand: 12, productId: productIdForGtin(fresh) });
    const events = (await outboxEvents(h, 'catalog.price-set.v1')).filter(
      (e) => e.data.locationId === location,
    );
    expect(events.map((e) => [e.data.productId, e.data.priceCents, e.data.previousPriceCents])).toEqual(
      expect.arrayContaining([
        [existing.productId, 450, 400],
        [productIdForGtin(fresh), 300, undefined],
      ]),
    );
    expect(events.filter((e) => e.data.productId === same.productId)).toHaveLength(1);
  });

  it('rejects a product listed twice', async () => {
    const gtin = nextGtin();
    const response = await request(h.app)
      .post('/catalog/import')
      .set(as(h.admin))
      .send({
        locationId,
        items: [
          { gtin, name: 'A', priceCents: 1 },
          { gtin, name: 'B', priceCents: 2 },
        ],
      })
      .expect(400);
    expect(response.body.error.details.issues[0].path).toBe('items.1');
  });
});

describe('locations', () => {
  it('lists locations with a cursor', async () => {
    // Two of its own (the file's beforeAll made one more), so there is always a second page.
    const mine = [await createLocation(h), await createLocation(h)];
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: request.Response = await request(h.app)
        .get(`/catalog/locations?limit=1${cursor ? `&cursor=${cursor}` : ''}`)
        .set(as(testUser()))
        .expect(200);
      expect(page.body.items).toHaveLength(1);
      seen.push(page.body.items[0].id);
      cursor = page.body.nextCursor;
    } while (cursor !== null);
    expect(seen).toEqual(expect.arrayContaining([locationId, ...mine]));
    expect(new Set(seen).size).toBe(seen.length);
  });
});
