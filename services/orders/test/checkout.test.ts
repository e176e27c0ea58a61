/**
 * Checkout: one transaction reserves stock, creates the PENDING order with price snapshots and history,
 * empties the cart and writes order.placed.v1; Idempotency-Key semantics; no oversell under contention.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { MAX_AMOUNT_CENTS } from '@cartwatch/common-types';
import { newId } from '@cartwatch/db';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addToCart,
  as,
  createHarness,
  createItem,
  createLocation,
  type Harness,
  outboxEvents,
  testUser,
} from './harness.js';

let h: Harness;
let locationId: string;

beforeAll(async () => {
  h = await createHarness('orders_checkout', { DB_POOL_MAX: '20' });
  locationId = await createLocation(h);
});
afterAll(() => h.close());

async function stockOf(catalogItemId: string) {
  const { rows } = await h.database.pool.query<{ on_hand: number; reserved: number }>(
    'select on_hand, reserved from catalog_item where id = $1',
    [catalogItemId],
  );
  return rows[0];
}

describe('POST /orders', () => {
  it('refuses an order whose total leaves the amount range after a price change, and places nothing', async () => {
    const user = testUser();
    const item = await createItem(h, locationId, { priceCents: 1_000, onHand: 10 });
    await addToCart(h, user, locationId, item.productId, 5).then((r) => expect(r.status).toBe(200));
    await request(h.app)
      .patch(`/catalog/items/${item.id}`)
      .set(as(h.admin))
      .send({ priceCents: MAX_AMOUNT_CENTS })
      .expect(200);
    const response = await request(h.app)
      .post('/orders')
      .set(as(user))
      .set('Idempotency-Key', 'checkout-out-of-range')
      .send({ locationId })
      .expect(400);
    expect(response.body.error.details.issues).toEqual([expect.objectContaining({ code: 'too_big' })]);
    const { rows } = await h.database.pool.query('select id from "order" where user_id = $1', [user.id]);
    expect(rows).toEqual([]);
    expect(await stockOf(item.id)).toEqual({ on_hand: 10, reserved: 0 });
  });

  it('reserves stock, snapshots prices, records history, empties the cart and publishes order.placed.v1', async () => {
    const user = testUser();
    const milk = await createItem(h, locationId, { priceCents: 199, onHand: 5 });
    const bread = await createItem(h, locationId, { priceCents: 349, onHand: 3 });
    await addToCart(h, user, locationId, milk.productId, 2).then((r) => expect(r.status).toBe(200));
    await addToCart(h, user, locationId, bread.productId, 1).then((r) => expect(r.status).toBe(200));

    const response = await request(h.app)
      .post('/orders')
      .set(as(user))
      .set('Idempotency-Key', 'checkout-1')
      .send({ locationId })
      .expect(201);
    expect(response.body).toMatchObject({
      userId: user.id,
      locationId,
      status: 'PENDING',
      currency: 'USD',
      totalCents: 2 * 199 + 349,
      itemCount: 3,
    });
    expect(response.body.items).toHaveLength(2);
    expect(await stockOf(milk.id)).toEqual({ on_hand: 5, reserved: 2 });
    expect(await stockOf(bread.id)).toEqual({ on_hand: 3, reserved: 1 });

    // The snapshot keeps the price paid even after the catalog price changes.
    await request(h.app)
      .patch(`/catalog/items/${milk.id}`)
      .set(as(h.admin))
      .send({ priceCents: 999 })
      .expect(200);
    const order = await request(h.app).get(`/orders/${response.body.id}`).set(as(user)).expect(200);
    expect(
      order.body.items.find((i: { catalogItemId: string }) => i.catalogItemId === milk.id).unitPriceCents,
    ).toBe(199);

    const cart = await request(h.app).get('/cart').query({ location: locationId }).set(as(user)).expect(200);
    expect(cart.body.items).toEqual([]);
    const history = await request(h.app).get(`/orders/${response.body.id}/history`).set(as(user)).expect(200);
    expect(history.body.items).toEqual([
      expect.objectContaining({ from: null, to: 'PENDING', actor: `user:${user.id}` }),
    ]);
    const placed = await outboxEvents(h, 'order.placed.v1');
    expect(placed.map((e) => e.data)).toContainEqual({
      orderId: response.body.id,
      userId: user.id,
      locationId,
      totalCents: 747,
      currency: 'USD',
      itemCount: 3,
    });
    // The checkout emptied the cart, so it tells the cart's readers so too.
    const cartEvents = (await outboxEvents(h, 'cart.updated.v1')).filter((e) => e.userId === user.id);
    expect(cartEvents.at(-1)?.data).toEqual({
      cartId: cartEvents[0]?.data.cartId,
      userId: user.id,
      locationId,
      itemCount: 0,
      subtotalCents: 0,
      currency: 'USD',
    });
  });

  it('requires an Idempotency-Key header', async () => {
    const response = await request(h.app)
      .post('/orders')
      .set(as(testUser()))
      .send({ locationId })
      .expect(400);
    expect(response.body.error.code).toBe('VALIDATION_FAILED');
    expect(response.body.error.details.issues[0].path).toBe('Idempotency-Key');
  });

  it('rejects unknown body fields', async () => {
    const response = await request(h.app)
      .post('/orders')
      .set(as(testUser()))
      .set('Idempotency-Key', 'k')
      .send({ locationId, totalCents: 1 })
      .expect(400);
    expect(response.body.error.details.issues).toContainEqual(
      expect.objectContaining({ path: 'totalCents' }),
    );
  });

  it('answers 404 for a location that does not exist, even with a cart elsewhere, and places nothing', async () => {
    const user = testUser();
    const item = await createItem(h, locationId, { onHand: 1 });
    await addToCart(h, user, locationId, item.productId, 1).then((r) => expect(r.status).toBe(200));
    const response = await request(h.app)
      .post('/orders')
      .set(as(user))
      .set('Idempotency-Key', 'nowhere')
      .send({ locationId: newId() })
      .expect(404);
    expect(response.body.error.code).toBe('NOT_FOUND');
    const { rows } = await h.database.pool.query('select id from "order" where user_id = $1', [user.id]);
    expect(rows).toEqual([]);
    expect(await stockOf(item.id)).toEqual({ on_hand: 1, reserved: 0 });
  });

  it('answers 422 for an empty cart and lets the key be used again', async () => {
    const user = testUser();
    const first = await request(h.app)
      .post('/orders')
      .set(as(user))
      .set('Idempotency-Key', 'empty')
      .send({ locationId });
    expect(first.status).toBe(422);
    expect(first.body.error.details.reason).toBe('CART_EMPTY');
    const item = await createItem(h, locationId, { onHand: 1 });
    await addToCart(h, user, locationId, item.productId, 1);
    await request(h.app)
      .post('/orders')
      .set(as(user))
      .set('Idempotency-Key', 'empty')
      .send({ locationId })
      .expect(201);
  });

  it('answers 409 OUT_OF_STOCK when stock went below the cart quantity, reserving nothing', async () => {
    const user = testUser();
    const a = await createItem(h, locationId, { onHand: 5 });
    const b = await createItem(h, locationId, { onHand: 2 });
    await addToCart(h, user, locationId, a.productId, 2);
    await addToCart(h, user, locationId, b.productId, 2);
    await request(h.app)
      .post(`/inventory/items/${b.id}/adjustments`)
      .set(as(h.admin))
      .send({ delta: -1, reason: 'broken' })
      .expect(200);
    const response = await request(h.app)
      .post('/orders')
      .set(as(user))
      .set('Idempotency-Key', 'oos')
      .send({ locationId })
      .expect(409);
    expect(response.body.error.details).toMatchObject({
      reason: 'OUT_OF_STOCK',
      shortages: [{ catalogItemId: b.id, requested: 2, available: 1 }],
    });
    expect(await stockOf(a.id)).toEqual({ on_hand: 5, reserved: 0 });
    const cart = await request(h.app).get('/cart').query({ location: locationId }).set(as(user)).expect(200);
    expect(cart.body.items).toHaveLength(2);
  });
});

describe('Idempotency-Key', () => {
  it('replays the first response for the same key and body without a second order', async () => {
    const user = testUser();
    const item = await createItem(h, locationId, { onHand: 4 });
    await addToCart(h, user, locationId, item.productId, 1);
    const first = await request(h.app)
      .post('/orders')
      .set(as(user))
      .set('Idempotency-Key', 'replay')
      .send({ locationId })
      .expect(201);
    await addToCart(h, user, locationId, item.productId, 1);
    const second = await request(h.app)
      .post('/orders')
      .set(as(user))
      .set('Idempotency-Key', 'replay')
      .send({ locationId })
      .expect(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers['idempotent-replayed']).toBe('true');
    const list = await request(h.app).get('/orders').set(as(user)).expect(200);
    expect(list.body.items).toHaveLength(1);
    expect(await stockOf(item.id)).toEqual({ on_hand: 4, reserved: 1 });
  });

  it('answers 422 for the same key with a different body', async () => {
    const user = testUser();
    const item = await createItem(h, locationId, { onHand: 4 });
    await addToCart(h, user, locationId, item.productId, 1);
    await request(h.app)
      .post('/orders')
      .set(as(user))
      .set('Idempotency-Key', 'reused')
      .send({ locationId })
      .expect(201);
    const otherLocation = await createLocation(h);
    const response = await request(h.app)
      .post('/orders')
      .set(as(user))
      .set('Idempotency-Key', 'reused')
      .send({ locationId: otherLocation })
      .expect(422);
    expect(response.body.error).toMatchObject({
      code: 'UNPROCESSABLE',
      details: { reason: 'IDEMPOTENCY_KEY_REUSED' },
    });
  });

  it('answers 409 while the first request with the key is still running', async () => {
    const user = testUser();
    const item = await createItem(h, locationId, { onHand: 4 });
    await addToCart(h, user, locationId, item.productId, 1);
    const first = await request(h.app)
      .post('/orders')
      .set(as(user))
      .set('Idempotency-Key', 'probe')
      .send({ locationId });
    expect(first.status).toBe(201);
    // The marker row of a request in flight, as the first request leaves it until it commits.
    await h.database.pool.query(
      `insert into idempotency_key (user_id, key, request_hash, state)
       select user_id, 'running', request_hash, 'in_progress' from idempotency_key where user_id = $1 and key = 'probe'`,
      [user.id],
    );
    const response = await request(h.app)
      .post('/orders')
      .set(as(user))
      .set('Idempotency-Key', 'running')
      .send({ locationId })
      .expect(409);
    expect(response.body.error.details.reason).toBe('IDEMPOTENCY_KEY_IN_PROGRESS');
  });

  it('places exactly one order when many requests with one key arrive at once', async () => {
    const user = testUser();
    const item = await createItem(h, locationId, { onHand: 10 });
    await addToCart(h, user, locationId, item.productId, 2);
    const responses = await Promise.all(
      Array.from({ length: 8 }, () =>
        request(h.app).post('/orders').set(as(user)).set('Idempotency-Key', 'burst').send({ locationId }),
      ),
    );
    const created = responses.filter((r) => r.status === 201);
    const conflicts = responses.filter((r) => r.status === 409);
    expect(created.length + conflicts.length).toBe(8);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(new Set(created.map((r) => r.body.id)).size).toBe(1);
    for (const conflict of conflicts)
      expect(conflict.body.error.details.reason).toBe('IDEMPOTENCY_KEY_IN_PROGRESS');
    const list = await request(h.app).get('/orders').set(as(user)).expect(200);
    expect(list.body.items).toHaveLength(1);
    expect(await stockOf(item.id)).toEqual({ on_hand: 10, reserved: 2 });
  });

  it('lets a retry take over a key whose first request died long ago', async () => {
    const user = testUser();
    const item = await createItem(h, locationId, { onHand: 2 });
    await addToCart(h, user, locationId, item.productId, 1);
    const hash = (
      await h.database.pool.query<{ h: string }>(`select encode(sha256($1::bytea), 'hex') as h`, [
        JSON.stringify({ locationId }),
      ])
    ).rows[0]?.h;
    await h.database.pool.query(
      `insert into idempotency_key (user_id, key, request_hash, state, locked_at)
       values ($1, 'orphan', $2, 'in_progress', now() - interval '2 hours')`,
      [user.id, hash],
    );
    await request(h.app)
      .post('/orders')
      .set(as(user))
      .set('Idempotency-Key', 'orphan')
      .send({ locationId })
      .expect(201);
  });

  it('scopes keys per user', async () => {
    const item = await createItem(h, locationId, { onHand: 5 });
    const [alice, bob] = [testUser(), testUser()];
    await addToCart(h, alice, locationId, item.productId, 1);
    await addToCart(h, bob, locationId, item.productId, 1);
    const a = await request(h.app)
      .post('/orders')
      .set(as(alice))
      .set('Idempotency-Key', 'same')
      .send({ locationId })
      .expect(201);
    const b = await request(h.app)
      .post('/orders')
      .set(as(bob))
      .set('Idempotency-Key', 'same')
      .send({ locationId })
      .expect(201);
    expect(a.body.id).not.toBe(b.body.id);
  });
});

describe('no oversell', () => {
  it('sells exactly the 50 units in stock to 200 concurrent checkouts; the rest get 409 OUT_OF_STOCK', async () => {
    const item = await createItem(h, locationId, { onHand: 50 });
    const users = Array.from({ length: 200 }, () => testUser());
    for (let i = 0; i < users.length; i += 25) {
      await Promise.all(
        users
          .slice(i, i + 25)
          .map(async (user) =>
            expect((await addToCart(h, user, locationId, item.productId, 1)).status).toBe(200),
          ),
      );
    }
    const server = http.createServer(h.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const results = await Promise.all(
        users.map(async (user) => {
          const response = await fetch(`${base}/orders`, {
            method: 'POST',
            headers: { ...as(user), 'content-type': 'application/json', 'idempotency-key': newId() },
            body: JSON.stringify({ locationId }),
          });
          const body = (await response.json()) as {
            error?: { code?: string; details?: { reason?: string } };
          };
          return { status: response.status, code: body.error?.code, reason: body.error?.details?.reason };
        }),
      );
      expect(results.filter((r) => r.status === 201)).toHaveLength(50);
      const rejected = results.filter((r) => r.status !== 201);
      expect(rejected).toHaveLength(150);
      expect(
        rejected.every((r) => r.status === 409 && r.code === 'OUT_OF_STOCK' && r.reason === 'OUT_OF_STOCK'),
      ).toBe(true);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    expect(await stockOf(item.id)).toEqual({ on_hand: 50, reserved: 50 });
    const { rows } = await h.database.pool.query<{ units: number }>(
      `select coalesce(sum(oi.quantity), 0)::int as units from order_item oi join "order" o on o.id = oi.order_id
       where oi.catalog_item_id = $1 and o.status = 'PENDING'`,
      [item.id],
    );
    expect(rows[0]?.units).toBe(50);
  });

  it('places every order when many multi-item carts that share a hot product check out at once', async () => {
    const hot = await createItem(h, locationId, { onHand: 1000 });
    const cold: Array<{ productId: string }> = [];
    for (let i = 0; i < 3; i++) cold.push(await createItem(h, locationId, { onHand: 1000 }));
    const users = Array.from({ length: 40 }, () => testUser());
    await Promise.all(
      users.map(async (user, index) => {
        expect((await addToCart(h, user, locationId, hot.productId, 1)).status).toBe(200);
        const other = cold[index % cold.length] as { productId: string };
        expect((await addToCart(h, user, locationId, other.productId, 2)).status).toBe(200);
      }),
    );
    const responses = await Promise.all(
      users.map((user) =>
        request(h.app).post('/orders').set(as(user)).set('Idempotency-Key', newId()).send({ locationId }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(users.map(() => 201));
    expect(await stockOf(hot.id)).toEqual({ on_hand: 1000, reserved: 40 });
  });

  it('refuses, at the database, any write that would reserve more than is on hand', async () => {
    const item = await createItem(h, locationId, { onHand: 1 });
    await expect(
      h.database.pool.query('update catalog_item set reserved = 2 where id = $1', [item.id]),
    ).rejects.toThrow(/catalog_item_stock_check/);
  });
});
