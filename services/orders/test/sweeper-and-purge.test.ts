/**
 * The sweeper cancels unpaid PENDING orders past their deadline and releases their stock, keeping no
 * state of its own (a fresh sweeper after a restart finds the same work); user.deleted.v1 purges a user.
 */
import { newId, withTransaction } from '@cartwatch/db';
import { createLogger } from '@cartwatch/service-kit';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../src/db/schema.js';
import { purgeUserData } from '../src/events/user-deleted.handler.js';
import { cancelExpiredOrders, OrderSweeper, SWEEPER_ACTOR } from '../src/orders/order-sweeper.js';
import { serviceDefinition } from '../src/service.js';
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
  h = await createHarness('orders_sweeper', { PENDING_ORDER_TTL_SECONDS: '60' });
  locationId = await createLocation(h);
});
afterAll(() => h.close());

async function placeOrder(user: { id: string }, quantity: number, onHand = 10) {
  const item = await createItem(h, locationId, { onHand });
  await addToCart(h, user, locationId, item.productId, quantity);
  const response = await request(h.app)
    .post('/orders')
    .set(as(user))
    .set('Idempotency-Key', newId())
    .send({ locationId })
    .expect(201);
  return { order: response.body as { id: string; expiresAt: string }, item };
}

/** Paid at the counter: the way an order becomes PAID without a payment provider. */
async function payInStore(orderId: string) {
  const order = await request(h.app).get(`/orders/${orderId}`).set(as(h.admin)).expect(200);
  await request(h.app)
    .post(`/orders/${orderId}/in-store-payment`)
    .set(as(h.admin))
    .send({ reference: 'till', amountCents: order.body.totalCents })
    .expect(200);
}

async function stockOf(catalogItemId: string) {
  const { rows } = await h.database.pool.query('select on_hand, reserved from catalog_item where id = $1', [
    catalogItemId,
  ]);
  return rows[0];
}

async function statusOf(orderId: string) {
  const { rows } = await h.database.pool.query<{ status: string }>(
    'select status from "order" where id = $1',
    [orderId],
  );
  return rows[0]?.status;
}

describe('order sweeper', () => {
  it('cancels expired unpaid orders, releases their stock, and leaves paid and unexpired ones alone', async () => {
    const user = testUser();
    const expired = await placeOrder(user, 2);
    const paid = await placeOrder(user, 1);
    await payInStore(paid.order.id);
    const deadline = new Date(expired.order.expiresAt);
    expect(deadline.getTime()).toBeGreaterThan(Date.now() + 50_000);

    expect(
      await cancelExpiredOrders({ database: h.database }, { now: new Date(deadline.getTime() - 1000) }),
    ).toBe(0);
    const after = new Date(deadline.getTime() + 1000);
    const cancelled = await cancelExpiredOrders({ database: h.database }, { now: after });
    expect(cancelled).toBeGreaterThanOrEqual(1);
    expect(await statusOf(expired.order.id)).toBe('CANCELLED');
    expect(await statusOf(paid.order.id)).toBe('PAID');
    expect(await stockOf(expired.item.id)).toEqual({ on_hand: 10, reserved: 0 });
    expect(await stockOf(paid.item.id)).toEqual({ on_hand: 10, reserved: 1 });
    const history = await request(h.app).get(`/orders/${expired.order.id}/history`).set(as(user)).expect(200);
    expect(history.body.items.at(-1)).toMatchObject({
      from: 'PENDING',
      to: 'CANCELLED',
      actor: SWEEPER_ACTOR,
    });
    const events = (await outboxEvents(h, 'order.status-changed.v1')).filter(
      (e) => e.data.orderId === expired.order.id,
    );
    expect(events.map((e) => e.data.to)).toEqual(['CANCELLED']);
    expect(await cancelExpiredOrders({ database: h.database }, { now: after })).toBe(0);
  });

  it('picks up after a restart: a new sweeper finds what expired while none ran', async () => {
    const user = testUser();
    const { order, item } = await placeOrder(user, 3);
    await h.database.pool.query(`update "order" set expires_at = now() - interval '1 minute' where id = $1`, [
      order.id,
    ]);
    const logger = createLogger({ service: 'orders', level: 'silent' });
    const first = new OrderSweeper({
      deps: { database: h.database },
      logger,
      intervalMs: 60_000,
      idempotencyKeyTtlHours: 24,
    });
    await first.stop(); // the process died before it swept
    const restarted = new OrderSweeper({
      deps: { database: h.database },
      logger,
      intervalMs: 60_000,
      idempotencyKeyTtlHours: 24,
    });
    await restarted.sweep();
    expect(await statusOf(order.id)).toBe('CANCELLED');
    expect(await stockOf(item.id)).toEqual({ on_hand: 10, reserved: 0 });
  });

  it('forgets idempotency keys older than their time to live', async () => {
    const user = testUser();
    await h.database.pool.query(
      `insert into idempotency_key (user_id, key, request_hash, state, created_at) values ($1, 'old', 'h', 'completed', now() - interval '2 days'), ($1, 'new', 'h', 'completed', now())`,
      [user.id],
    );
    const logger = createLogger({ service: 'orders', level: 'silent' });
    await new OrderSweeper({
      deps: { database: h.database },
      logger,
      intervalMs: 60_000,
      idempotencyKeyTtlHours: 24,
    }).sweep();
    const { rows } = await h.database.pool.query('select key from idempotency_key where user_id = $1', [
      user.id,
    ]);
    expect(rows).toEqual([{ key: 'new' }]);
  });
});

describe('user.deleted.v1', () => {
  it('is consumed by the service', () => {
    const handlers = serviceDefinition.eventHandlers?.({} as never) ?? [];
    expect(handlers.map((handler) => handler.definition.type)).toEqual(['user.deleted.v1']);
  });

  it("purges the user's carts, orders and keys, releasing reserved stock; other users keep theirs", async () => {
    const gone = testUser();
    const stays = testUser();
    const pending = await placeOrder(gone, 2);
    const paid = await placeOrder(gone, 1);
    await payInStore(paid.order.id);
    const shipped = await placeOrder(gone, 1);
    await payInStore(shipped.order.id);
    await request(h.app)
      .patch(`/orders/${shipped.order.id}/status`)
      .set(as(h.admin))
      .send({ status: 'SHIPPED' })
      .expect(200);
    await addToCart(h, gone, locationId, pending.item.productId, 1);
    const kept = await placeOrder(stays, 1);

    await withTransaction(h.database.db, (trx) => purgeUserData(trx, { userId: gone.id }));

    expect(await stockOf(pending.item.id)).toEqual({ on_hand: 10, reserved: 0 });
    expect(await stockOf(paid.item.id)).toEqual({ on_hand: 10, reserved: 0 });
    expect(await stockOf(shipped.item.id)).toEqual({ on_hand: 9, reserved: 0 });
    for (const table of ['order', 'cart', 'idempotency_key'] as const satisfies readonly (keyof DB)[]) {
      const { rows } = await h.database.pool.query(
        `select count(*)::int as n from "${table}" where user_id = $1`,
        [gone.id],
      );
      expect(rows[0]).toEqual({ n: 0 });
    }
    await request(h.app).get(`/orders/${kept.order.id}`).set(as(stays)).expect(200);
  });
});
