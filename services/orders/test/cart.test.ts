/**
 * Carts: per user and location, lines upserted in one statement, a stock check on add without
 * reservation, cart.updated.v1 on every change, per-user scoping, and cart-device's internal routes.
 */
import { MAX_AMOUNT_CENTS } from '@cartwatch/common-types';
import { TEST_SERVICE_KEY } from '@cartwatch/testing';
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
  h = await createHarness('orders_cart');
  locationId = await createLocation(h);
});
afterAll(() => h.close());

describe('GET /cart', () => {
  it('shows an empty cart before the first item', async () => {
    const user = testUser();
    const response = await request(h.app)
      .get('/cart')
      .query({ location: locationId })
      .set(as(user))
      .expect(200);
    expect(response.body).toEqual({
      id: null,
      userId: user.id,
      locationId,
      currency: 'USD',
      items: [],
      itemCount: 0,
      subtotalCents: 0,
    });
  });

  it('answers 404 for an unknown location and 400 without one', async () => {
    await request(h.app)
      .get('/cart')
      .query({ location: '0192f9b4-6f3c-7c1e-9d0a-4a5b6c7d8e9f' })
      .set(as(testUser()))
      .expect(404);
    await request(h.app).get('/cart').set(as(testUser())).expect(400);
  });
});

describe('POST /cart/items', () => {
  it('adds by product id and by GTIN, adding to an existing line, with totals', async () => {
    const user = testUser();
    const item = await createItem(h, locationId, { priceCents: 150, onHand: 10 });
    await addToCart(h, user, locationId, item.productId, 2).then((r) => expect(r.status).toBe(200));
    const response = await request(h.app)
      .post('/cart/items')
      .set(as(user))
      .send({ locationId, gtin: item.gtin, quantity: 3 })
      .expect(200);
    expect(response.body.items).toEqual([
      expect.objectContaining({
        catalogItemId: item.id,
        quantity: 5,
        unitPriceCents: 150,
        lineTotalCents: 750,
        available: 10,
      }),
    ]);
    expect(response.body).toMatchObject({ itemCount: 5, subtotalCents: 750 });
    const events = (await outboxEvents(h, 'cart.updated.v1')).filter((e) => e.userId === user.id);
    expect(events.map((e) => e.data.itemCount)).toEqual([2, 5]);
    expect(events[1]?.data).toMatchObject({
      cartId: response.body.id,
      locationId,
      subtotalCents: 750,
      currency: 'USD',
    });
  });

  it('resolves a GTIN the catalog does not carry through price-watch', async () => {
    const gtin = nextGtin();
    // Created by product id only, so the catalog row has no GTIN.
    await request(h.app)
      .post('/catalog/items')
      .set(as(h.admin))
      .send({ locationId, productId: productIdForGtin(gtin), name: 'Oats', priceCents: 300, onHand: 4 })
      .expect(201);
    h.priceWatch.calls.length = 0;
    const response = await request(h.app)
      .post('/cart/items')
      .set(as(testUser()))
      .send({ locationId, gtin, quantity: 1 })
      .expect(200);
    expect(response.body.items[0].productId).toBe(productIdForGtin(gtin));
    expect(h.priceWatch.calls).toEqual([
      { path: '/internal/products/resolve', body: { gtin }, serviceKey: TEST_SERVICE_KEY },
    ]);
  });

  it('answers 404 for an unknown location before asking price-watch about a GTIN, and creates no cart', async () => {
    const user = testUser();
    h.priceWatch.calls.length = 0;
    const response = await request(h.app)
      .post('/cart/items')
      .set(as(user))
      .send({ locationId: '0192f9b4-6f3c-7c1e-9d0a-4a5b6c7d8e9f', gtin: nextGtin(), quantity: 1 })
      .expect(404);
    expect(response.body.error.message).toMatch(/store location/);
    expect(h.priceWatch.calls).toEqual([]);
    const { rows } = await h.database.pool.query('select id from cart where user_id = $1', [user.id]);
    expect(rows).toEqual([]);
  });

  it('answers 409 OUT_OF_STOCK beyond the available units, without reserving anything', async () => {
    const user = testUser();
    const item = await createItem(h, locationId, { onHand: 3 });
    await addToCart(h, user, locationId, item.productId, 2).then((r) => expect(r.status).toBe(200));
    const response = await addToCart(h, user, locationId, item.productId, 2);
    expect(response.status).toBe(409);
    expect(response.body.error.details).toMatchObject({
      reason: 'OUT_OF_STOCK',
      shortages: [{ requested: 4, available: 3 }],
    });
    const { rows } = await h.database.pool.query('select reserved from catalog_item where id = $1', [
      item.id,
    ]);
    expect(rows).toEqual([{ reserved: 0 }]);
  });

  it('answers 404 for inactive or deleted catalog items', async () => {
    const item = await createItem(h, locationId);
    await request(h.app)
      .patch(`/catalog/items/${item.id}`)
      .set(as(h.admin))
      .send({ active: false })
      .expect(200);
    expect((await addToCart(h, testUser(), locationId, item.productId, 1)).status).toBe(404);
    const other = await createItem(h, locationId);
    await request(h.app).delete(`/catalog/items/${other.id}`).set(as(h.admin)).expect(200);
    expect((await addToCart(h, testUser(), locationId, other.productId, 1)).status).toBe(404);
  });

  it('rejects unknown fields, bad quantities and a body without product', async () => {
    const item = await createItem(h, locationId);
    const response = await request(h.app)
      .post('/cart/items')
      .set(as(testUser()))
      .send({ locationId, productId: item.productId, quantity: 0, priceCents: 1 })
      .expect(400);
    const paths = response.body.error.details.issues.map((i: { path: string }) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['quantity', 'priceCents']));
    await request(h.app)
      .post('/cart/items')
      .set(as(testUser()))
      .send({ locationId, quantity: 1 })
      .expect(400);
  });
});

describe('amounts in range', () => {
  const max = MAX_AMOUNT_CENTS;

  it('refuses a catalog price beyond the amount bound', async () => {
    const response = await request(h.app)
      .post('/catalog/items')
      .set(as(h.admin))
      .send({ locationId, gtin: nextGtin(), name: 'Diamond', priceCents: max + 1 })
      .expect(400);
    expect(response.body.error.details.issues).toEqual([expect.objectContaining({ path: 'priceCents' })]);
  });

  it('refuses an add or a quantity that would take the subtotal out of range, and keeps the cart', async () => {
    const user = testUser();
    const item = await createItem(h, locationId, { priceCents: max, onHand: 10 });
    await addToCart(h, user, locationId, item.productId, 1).then((r) => expect(r.status).toBe(200));
    const more = await addToCart(h, user, locationId, item.productId, 1);
    expect(more.status).toBe(400);
    expect(more.body.error).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { issues: [expect.objectContaining({ path: 'quantity', code: 'too_big' })] },
    });
    const cart = await request(h.app).get('/cart').query({ location: locationId }).set(as(user)).expect(200);
    expect(cart.body).toMatchObject({ itemCount: 1, subtotalCents: max });
    const lineId = cart.body.items[0].id as string;
    await request(h.app).patch(`/cart/items/${lineId}`).set(as(user)).send({ quantity: 3 }).expect(400);
    const events = (await outboxEvents(h, 'cart.updated.v1')).filter((e) => e.userId === user.id);
    expect(events.map((e) => e.data.itemCount)).toEqual([1]);
  });
});

describe('PATCH and DELETE /cart/items/{id}', () => {
  it('sets the quantity within stock and removes a line', async () => {
    const user = testUser();
    const item = await createItem(h, locationId, { onHand: 5 });
    const added = await addToCart(h, user, locationId, item.productId, 1);
    const lineId = added.body.items[0].id;
    const patched = await request(h.app)
      .patch(`/cart/items/${lineId}`)
      .set(as(user))
      .send({ quantity: 5 })
      .expect(200);
    expect(patched.body.items[0].quantity).toBe(5);
    const tooMany = await request(h.app)
      .patch(`/cart/items/${lineId}`)
      .set(as(user))
      .send({ quantity: 6 })
      .expect(409);
    expect(tooMany.body.error.details.reason).toBe('OUT_OF_STOCK');
    const deleted = await request(h.app).delete(`/cart/items/${lineId}`).set(as(user)).expect(200);
    expect(deleted.body.items).toEqual([]);
  });

  it("returns 404 when a second user reads, changes or deletes the first user's cart", async () => {
    const owner = testUser();
    const stranger = testUser();
    const item = await createItem(h, locationId);
    const added = await addToCart(h, owner, locationId, item.productId, 1);
    const lineId = added.body.items[0].id;
    await request(h.app).patch(`/cart/items/${lineId}`).set(as(stranger)).send({ quantity: 2 }).expect(404);
    await request(h.app).delete(`/cart/items/${lineId}`).set(as(stranger)).expect(404);
    const strangersCart = await request(h.app)
      .get('/cart')
      .query({ location: locationId })
      .set(as(stranger))
      .expect(200);
    expect(strangersCart.body.items).toEqual([]);
    const ownersCart = await request(h.app)
      .get('/cart')
      .query({ location: locationId })
      .set(as(owner))
      .expect(200);
    expect(ownersCart.body.items).toEqual([expect.objectContaining({ id: lineId, quantity: 1 })]);
  });
});

describe('internal cart routes (cart-device)', () => {
  it("adds and removes scanned units on the paired user's cart", async () => {
    const user = testUser();
    const item = await createItem(h, locationId, { onHand: 5 });
    const key = { 'X-Service-Key': TEST_SERVICE_KEY };
    await request(h.app)
      .post(`/internal/carts/${user.id}/items`)
      .set(key)
      .send({ locationId, gtin: item.gtin, quantity: 3 })
      .expect(200);
    const reduced = await request(h.app)
      .post(`/internal/carts/${user.id}/items/remove`)
      .set(key)
      .send({ locationId, gtin: item.gtin, quantity: 1 })
      .expect(200);
    expect(reduced.body.items[0].quantity).toBe(2);
    const read = await request(h.app)
      .get(`/internal/carts/${user.id}`)
      .query({ location: locationId })
      .set(key)
      .expect(200);
    expect(read.body.itemCount).toBe(2);
    const emptied = await request(h.app)
      .post(`/internal/carts/${user.id}/items/remove`)
      .set(key)
      .send({ locationId, productId: item.productId, quantity: 5 })
      .expect(200);
    expect(emptied.body.items).toEqual([]);
    await request(h.app)
      .post(`/internal/carts/${user.id}/items/remove`)
      .set(key)
      .send({ locationId, productId: item.productId, quantity: 1 })
      .expect(404);
    const mine = await request(h.app).get('/cart').query({ location: locationId }).set(as(user)).expect(200);
    expect(mine.body.id).toBe(read.body.id);
  });

  it('requires the service key', async () => {
    await request(h.app).post(`/internal/carts/${testUser().id}/items`).send({}).expect(401);
  });
});
