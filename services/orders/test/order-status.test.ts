/**
 * The order state machine: every (from, to) pair, stock effects of each transition, owner-only cancel
 * and pay (starting a payment), admin-only status changes, and a second user who cannot see or touch the first user's orders.
 */
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

const statuses = ['PENDING', 'PAID', 'CANCELLED', 'SHIPPED', 'DELIVERED', 'REFUNDED'] as const;
type Status = (typeof statuses)[number];

// The specification of the issue, written out independently of the implementation.
const allowed: Record<Status, Status[]> = {
  PENDING: ['PAID', 'CANCELLED'],
  PAID: ['SHIPPED', 'REFUNDED'],
  SHIPPED: ['DELIVERED'],
  DELIVERED: ['REFUNDED'],
  CANCELLED: [],
  REFUNDED: [],
};
const pathTo: Record<Status, Status[]> = {
  PENDING: [],
  PAID: ['PAID'],
  CANCELLED: ['CANCELLED'],
  SHIPPED: ['PAID', 'SHIPPED'],
  DELIVERED: ['PAID', 'SHIPPED', 'DELIVERED'],
  REFUNDED: ['PAID', 'REFUNDED'],
};

let h: Harness;
let locationId: string;

beforeAll(async () => {
  h = await createHarness('orders_status');
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

async function placeOrder(user: { id: string }, quantity = 1, onHand = 100) {
  const item = await createItem(h, locationId, { onHand });
  expect((await addToCart(h, user, locationId, item.productId, quantity)).status).toBe(200);
  const response = await request(h.app)
    .post('/orders')
    .set(as(user))
    .set('Idempotency-Key', newId())
    .send({ locationId })
    .expect(201);
  return { orderId: response.body.id as string, item };
}

/** An order, or the error shape. */
interface Answer {
  status?: string;
  error?: { code: string; message: string; details?: unknown };
}

/**
 * Moves an order as the store does: PAID by recording an in-store payment of its total, REFUNDED through
 * the refund route, every other status through PATCH /orders/{id}/status. Answers the status and the order.
 */
async function setStatus(
  orderId: string,
  status: Status,
  extra: Record<string, unknown> = {},
): Promise<{ status: number; body: Answer }> {
  if (status === 'PAID') {
    const order = await request(h.app).get(`/orders/${orderId}`).set(as(h.admin)).expect(200);
    return request(h.app)
      .post(`/orders/${orderId}/in-store-payment`)
      .set(as(h.admin))
      .send({ reference: 'till 7', amountCents: order.body.totalCents });
  }
  if (status === 'REFUNDED') {
    const response = await request(h.app).post(`/orders/${orderId}/refund`).set(as(h.admin)).send(extra);
    return { status: response.status, body: response.status === 200 ? response.body.order : response.body };
  }
  return request(h.app)
    .patch(`/orders/${orderId}/status`)
    .set(as(h.admin))
    .send({ status, ...extra });
}

async function moveTo(orderId: string, status: Status, extra: Record<string, unknown> = {}) {
  const response = await setStatus(orderId, status, extra);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response;
}

describe('transition table', () => {
  const pairs = statuses.flatMap((from) => statuses.map((to) => [from, to] as const));

  it.each(pairs)('%s -> %s is allowed exactly when the table says so', async (from, to) => {
    const { orderId } = await placeOrder(testUser());
    for (const step of pathTo[from]) expect((await setStatus(orderId, step)).status).toBe(200);
    const response = await setStatus(orderId, to, { reason: 'walk' });
    if (from === 'REFUNDED' && to === 'REFUNDED') {
      // Asking for a refund again answers the refund already made (idempotent), and changes nothing.
      expect(response.status).toBe(200);
      expect(response.body.status).toBe('REFUNDED');
    } else if (allowed[from].includes(to)) {
      expect(response.status).toBe(200);
      expect(response.body.status).toBe(to);
    } else {
      expect(response.status).toBe(409);
      expect(response.body.error?.code).toBe('CONFLICT');
      expect(response.body.error?.details).toEqual({
        reason: 'INVALID_TRANSITION',
        from,
        to,
        allowed: allowed[from],
      });
      for (const status of allowed[from]) expect(response.body.error?.message).toContain(status);
      const order = await request(h.app).get(`/orders/${orderId}`).set(as(h.admin)).expect(200);
      expect(order.body.status).toBe(from);
    }
  });
});

describe('stock effects', () => {
  it('releases the reservation on cancel', async () => {
    const user = testUser();
    const { orderId, item } = await placeOrder(user, 3, 10);
    expect(await stockOf(item.id)).toEqual({ on_hand: 10, reserved: 3 });
    await request(h.app)
      .post(`/orders/${orderId}/cancel`)
      .set(as(user))
      .send({ reason: 'changed my mind' })
      .expect(200);
    expect(await stockOf(item.id)).toEqual({ on_hand: 10, reserved: 0 });
  });

  it('turns the reservation into a decrement of on hand when shipped', async () => {
    const { orderId, item } = await placeOrder(testUser(), 3, 10);
    await moveTo(orderId, 'PAID');
    await moveTo(orderId, 'SHIPPED');
    expect(await stockOf(item.id)).toEqual({ on_hand: 7, reserved: 0 });
    await moveTo(orderId, 'DELIVERED');
    expect(await stockOf(item.id)).toEqual({ on_hand: 7, reserved: 0 });
  });

  it('releases the reservation when a paid order is refunded before shipping', async () => {
    const { orderId, item } = await placeOrder(testUser(), 2, 10);
    await moveTo(orderId, 'PAID');
    await moveTo(orderId, 'REFUNDED');
    expect(await stockOf(item.id)).toEqual({ on_hand: 10, reserved: 0 });
  });

  it('restocks a delivered order on refund only when asked to', async () => {
    const kept = await placeOrder(testUser(), 2, 10);
    const returned = await placeOrder(testUser(), 2, 10);
    for (const { orderId } of [kept, returned]) {
      for (const step of ['PAID', 'SHIPPED', 'DELIVERED'] as const) await moveTo(orderId, step);
    }
    await moveTo(kept.orderId, 'REFUNDED', { reason: 'damaged' });
    await moveTo(returned.orderId, 'REFUNDED', { reason: 'returned', restock: true });
    expect(await stockOf(kept.item.id)).toEqual({ on_hand: 8, reserved: 0 });
    expect(await stockOf(returned.item.id)).toEqual({ on_hand: 10, reserved: 0 });
  });
});

describe('history and events', () => {
  it('records every change with actor and reason and publishes order.status-changed.v1', async () => {
    const user = testUser();
    const { orderId } = await placeOrder(user);
    await request(h.app)
      .post(`/orders/${orderId}/in-store-payment`)
      .set(as(h.admin))
      .send({ reference: 'till-42', amountCents: 250 })
      .expect(200);
    await moveTo(orderId, 'SHIPPED', { reason: 'courier picked up' });
    const history = await request(h.app).get(`/orders/${orderId}/history`).set(as(user)).expect(200);
    expect(history.body.items.map((e: Record<string, unknown>) => [e.from, e.to, e.actor, e.reason])).toEqual(
      [
        [null, 'PENDING', `user:${user.id}`, 'placed'],
        ['PENDING', 'PAID', `admin:${h.admin.id}`, 'paid in store (till-42)'],
        ['PAID', 'SHIPPED', `admin:${h.admin.id}`, 'courier picked up'],
      ],
    );
    const events = (await outboxEvents(h, 'order.status-changed.v1')).filter(
      (e) => e.data.orderId === orderId,
    );
    expect(events.map((e) => [e.data.from, e.data.to, e.data.actor, e.userId])).toEqual([
      ['PENDING', 'PAID', `admin:${h.admin.id}`, user.id],
      ['PAID', 'SHIPPED', `admin:${h.admin.id}`, user.id],
    ]);
    const { rows } = await h.database.pool.query(
      'select provider, provider_reference from payment where order_id = $1',
      [orderId],
    );
    expect(rows).toEqual([{ provider: 'in_store', provider_reference: 'till-42' }]);
  });

  it('pages the history with a cursor', async () => {
    const { orderId } = await placeOrder(testUser());
    for (const step of ['PAID', 'SHIPPED', 'DELIVERED'] as const) await moveTo(orderId, step);
    const first = await request(h.app).get(`/orders/${orderId}/history?limit=3`).set(as(h.admin)).expect(200);
    expect(first.body.items).toHaveLength(3);
    const second = await request(h.app)
      .get(`/orders/${orderId}/history`)
      .query({ limit: 3, cursor: first.body.nextCursor })
      .set(as(h.admin))
      .expect(200);
    expect(second.body).toEqual({ items: [expect.objectContaining({ to: 'DELIVERED' })], nextCursor: null });
  });
});

describe('who may do what', () => {
  it('lets only the owner cancel, and only a PENDING order', async () => {
    const user = testUser();
    const { orderId } = await placeOrder(user);
    await moveTo(orderId, 'PAID');
    const response = await request(h.app)
      .post(`/orders/${orderId}/cancel`)
      .set(as(user))
      .send({})
      .expect(409);
    expect(response.body.error.details.allowed).toEqual(['SHIPPED', 'REFUNDED']);
  });

  it('refuses status changes from shoppers', async () => {
    const user = testUser();
    const { orderId } = await placeOrder(user);
    const response = await request(h.app)
      .patch(`/orders/${orderId}/status`)
      .set(as(user))
      .send({ status: 'CANCELLED' })
      .expect(403);
    expect(response.body.error?.code).toBe('FORBIDDEN');
  });

  it('never sets PAID or REFUNDED by a status change, even for an admin: those follow a payment or a refund', async () => {
    const { orderId } = await placeOrder(testUser());
    for (const status of ['PAID', 'REFUNDED']) {
      const response = await request(h.app)
        .patch(`/orders/${orderId}/status`)
        .set(as(h.admin))
        .send({ status })
        .expect(400);
      expect(response.body.error?.code).toBe('VALIDATION_FAILED');
      expect(response.body.error.details.issues[0].message).toContain('in-store-payment');
    }
    const order = await request(h.app).get(`/orders/${orderId}`).set(as(h.admin)).expect(200);
    expect(order.body.status).toBe('PENDING');
    const payments = await h.database.pool.query('select 1 from payment where order_id = $1', [orderId]);
    expect(payments.rowCount).toBe(0);
  });

  it("returns 404 for another user's order, its history, cancel and pay", async () => {
    const owner = testUser();
    const stranger = testUser();
    const { orderId } = await placeOrder(owner);
    for (const call of [
      request(h.app).get(`/orders/${orderId}`).set(as(stranger)),
      request(h.app).get(`/orders/${orderId}/history`).set(as(stranger)),
      request(h.app).post(`/orders/${orderId}/cancel`).set(as(stranger)).send({}),
      request(h.app).post(`/orders/${orderId}/pay`).set(as(stranger)).send({}),
    ]) {
      const response = await call;
      expect(response.status).toBe(404);
      expect(response.body.error?.code).toBe('NOT_FOUND');
    }
    const list = await request(h.app).get('/orders').set(as(stranger)).expect(200);
    expect(list.body).toEqual({ items: [], nextCursor: null });
    const order = await request(h.app).get(`/orders/${orderId}`).set(as(owner)).expect(200);
    expect(order.body.status).toBe('PENDING');
  });

  it("lists only the caller's orders, newest first, with a cursor; admins may list all", async () => {
    const user = testUser();
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await placeOrder(user)).orderId);
    const first = await request(h.app).get('/orders?limit=2').set(as(user)).expect(200);
    expect(first.body.items.map((o: { id: string }) => o.id)).toEqual([ids[2], ids[1]]);
    const second = await request(h.app)
      .get('/orders')
      .query({ limit: 2, cursor: first.body.nextCursor })
      .set(as(user))
      .expect(200);
    expect(second.body.items.map((o: { id: string }) => o.id)).toEqual([ids[0]]);
    expect(second.body.nextCursor).toBeNull();
    await request(h.app).get('/orders?all=true').set(as(user)).expect(403);
    const all = await request(h.app).get('/orders?all=true&limit=100').set(as(h.admin)).expect(200);
    expect(all.body.items.length).toBeGreaterThan(3);
  });
});
