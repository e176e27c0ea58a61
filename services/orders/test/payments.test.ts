/**
 * Payments with the `test` provider (what `pnpm start` runs) and the ones store staff record: the payer
 * completes a test payment through `POST /payments/test/confirm` (the provider's own signed
 * confirmation, applied once); staff of the order's retailer, or admins, record in-store payments and
 * refund; shoppers and staff of another retailer are refused and change nothing.
 */
import { newId } from '@cartwatch/db';
import { testStaff } from '@cartwatch/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addToCart,
  as,
  createHarness,
  createItem,
  createLocation,
  type Harness,
  orderStatusOf,
  outboxEvents,
  stockOf,
  testUser,
} from './harness.js';

let h: Harness;
let locationId: string;
const staff = testStaff('acme');
const otherStaff = testStaff('other-mart');

beforeAll(async () => {
  h = await createHarness('orders_payments', { PAYMENT_PROVIDER: 'test' });
  locationId = await createLocation(h);
});
afterAll(() => h.close());

async function placeOrder(user = testUser()) {
  const item = await createItem(h, locationId, { priceCents: 300, onHand: 10 });
  expect((await addToCart(h, user, locationId, item.productId, 2)).status).toBe(200);
  const response = await request(h.app)
    .post('/orders')
    .set(as(user))
    .set('Idempotency-Key', newId())
    .send({ locationId })
    .expect(201);
  return { user, item, order: response.body as { id: string; totalCents: number } };
}

function confirm(user: { id: string }, clientSecret: string, outcome?: 'succeeded' | 'failed') {
  return request(h.app)
    .post('/payments/test/confirm')
    .set(as(user))
    .send({ clientSecret, ...(outcome && { outcome }) });
}

describe('the test provider', () => {
  it('starts a pending payment that the payer completes; then the order is PAID, once', async () => {
    const { user, order } = await placeOrder();
    const started = await request(h.app).post(`/orders/${order.id}/pay`).set(as(user)).send({}).expect(202);
    expect(started.body).toMatchObject({
      order: { status: 'PENDING' },
      payment: { provider: 'test', status: 'PENDING', amountCents: 600 },
      publishableKey: null,
    });
    expect(await orderStatusOf(h, order.id)).toBe('PENDING');
    const paid = await confirm(user, started.body.clientSecret).expect(200);
    expect(paid.body.status).toBe('PAID');
    await confirm(user, started.body.clientSecret).expect(200);
    const events = (await outboxEvents(h, 'order.status-changed.v1')).filter(
      (e) => e.data.orderId === order.id,
    );
    expect(events.map((e) => [e.data.from, e.data.to, e.data.actor])).toEqual([
      ['PENDING', 'PAID', 'provider:test'],
    ]);
  });

  it('keeps the order PENDING when the payer fails the payment, and pays with a new one afterwards', async () => {
    const { user, order } = await placeOrder();
    const first = await request(h.app).post(`/orders/${order.id}/pay`).set(as(user)).send({}).expect(202);
    expect((await confirm(user, first.body.clientSecret, 'failed').expect(200)).body.status).toBe('PENDING');
    const second = await request(h.app).post(`/orders/${order.id}/pay`).set(as(user)).send({}).expect(202);
    expect(second.body.payment.id).not.toBe(first.body.payment.id);
    expect((await confirm(user, second.body.clientSecret).expect(200)).body.status).toBe('PAID');
  });

  it("refuses a client secret it never issued, and another user's (404)", async () => {
    const { user, order } = await placeOrder();
    const started = await request(h.app).post(`/orders/${order.id}/pay`).set(as(user)).send({}).expect(202);
    const secret: string = started.body.clientSecret;
    await confirm(testUser(), secret).expect(404);
    await confirm(user, `${secret.slice(0, -2)}xx`).expect(404);
    await confirm(user, 'pi_test_00000000000000000000000000000000_secret_x').expect(404);
    expect(await orderStatusOf(h, order.id)).toBe('PENDING');
  });

  it('refuses to start paying an order that is not PENDING (409)', async () => {
    const { user, order } = await placeOrder();
    await request(h.app).post(`/orders/${order.id}/cancel`).set(as(user)).send({}).expect(200);
    const response = await request(h.app).post(`/orders/${order.id}/pay`).set(as(user)).send({}).expect(409);
    expect(response.body.error.details).toMatchObject({ reason: 'INVALID_TRANSITION', from: 'CANCELLED' });
  });
});

describe('in-store payments', () => {
  it('lets staff of the retailer record one; the order is PAID and its open provider payment cancelled', async () => {
    const { user, order } = await placeOrder();
    await request(h.app).post(`/orders/${order.id}/pay`).set(as(user)).send({}).expect(202);
    const paid = await request(h.app)
      .post(`/orders/${order.id}/in-store-payment`)
      .set(as(staff))
      .send({ reference: 'till 3 / 0042', amountCents: 600 })
      .expect(200);
    expect(paid.body.status).toBe('PAID');
    const { rows } = await h.database.pool.query(
      'select provider, status, provider_reference, recorded_by from payment where order_id = $1 order by id',
      [order.id],
    );
    expect(rows).toEqual([
      { provider: 'test', status: 'CANCELLED', provider_reference: expect.any(String), recorded_by: null },
      {
        provider: 'in_store',
        status: 'SUCCEEDED',
        provider_reference: 'till 3 / 0042',
        recorded_by: `staff:${staff.id}`,
      },
    ]);
    const history = await request(h.app).get(`/orders/${order.id}/history`).set(as(user)).expect(200);
    expect(history.body.items.at(-1)).toMatchObject({
      from: 'PENDING',
      to: 'PAID',
      actor: `staff:${staff.id}`,
    });
  });

  it('refuses shoppers (the owner too) and staff of another retailer with 403, and a wrong amount with 422', async () => {
    const { user, order } = await placeOrder();
    for (const caller of [user, testUser(), otherStaff]) {
      const response = await request(h.app)
        .post(`/orders/${order.id}/in-store-payment`)
        .set(as(caller))
        .send({ reference: 'x', amountCents: 600 });
      expect(response.status).toBe(403);
      expect(response.body.error.code).toBe('FORBIDDEN');
    }
    const wrong = await request(h.app)
      .post(`/orders/${order.id}/in-store-payment`)
      .set(as(staff))
      .send({ reference: 'x', amountCents: 599 })
      .expect(422);
    expect(wrong.body.error.details.reason).toBe('AMOUNT_MISMATCH');
    expect(await orderStatusOf(h, order.id)).toBe('PENDING');
    const { rows } = await h.database.pool.query('select 1 from payment where order_id = $1', [order.id]);
    expect(rows).toEqual([]);
  });

  it('lets an admin record one, and refuses a second (409)', async () => {
    const { order } = await placeOrder();
    const body = { reference: 'card terminal 77', amountCents: 600 };
    await request(h.app).post(`/orders/${order.id}/in-store-payment`).set(as(h.admin)).send(body).expect(200);
    await request(h.app).post(`/orders/${order.id}/in-store-payment`).set(as(staff)).send(body).expect(409);
  });

  it('answers 404 for an unknown order', async () => {
    await request(h.app)
      .post(`/orders/${newId()}/in-store-payment`)
      .set(as(staff))
      .send({ reference: 'x', amountCents: 1 })
      .expect(404);
  });
});

describe('refunds', () => {
  it('refunds a test-provider payment at once for staff of the retailer, releasing the stock', async () => {
    const { user, order, item } = await placeOrder();
    const started = await request(h.app).post(`/orders/${order.id}/pay`).set(as(user)).send({}).expect(202);
    await confirm(user, started.body.clientSecret).expect(200);
    for (const caller of [user, otherStaff]) {
      await request(h.app).post(`/orders/${order.id}/refund`).set(as(caller)).send({}).expect(403);
    }
    expect(await orderStatusOf(h, order.id)).toBe('PAID');
    const refunded = await request(h.app)
      .post(`/orders/${order.id}/refund`)
      .set(as(staff))
      .send({ reason: 'wrong size' })
      .expect(200);
    expect(refunded.body).toMatchObject({
      order: { status: 'REFUNDED' },
      refund: { status: 'SUCCEEDED', provider: 'test', amountCents: 600 },
    });
    expect(await stockOf(h, item.id)).toEqual({ on_hand: 10, reserved: 0 });
    // Asking again answers the refund that was made.
    const again = await request(h.app).post(`/orders/${order.id}/refund`).set(as(staff)).send({}).expect(200);
    expect(again.body.refund.id).toBe(refunded.body.refund.id);
  });

  it('refunds an in-store payment at once; a delivered order is restocked only when asked', async () => {
    const { order, item } = await placeOrder();
    await request(h.app)
      .post(`/orders/${order.id}/in-store-payment`)
      .set(as(staff))
      .send({ reference: 'cash', amountCents: 600 })
      .expect(200);
    for (const status of ['SHIPPED', 'DELIVERED']) {
      await request(h.app).patch(`/orders/${order.id}/status`).set(as(h.admin)).send({ status }).expect(200);
    }
    expect(await stockOf(h, item.id)).toEqual({ on_hand: 8, reserved: 0 });
    await request(h.app)
      .post(`/orders/${order.id}/refund`)
      .set(as(staff))
      .send({ reason: 'returned', restock: true })
      .expect(200);
    expect(await orderStatusOf(h, order.id)).toBe('REFUNDED');
    expect(await stockOf(h, item.id)).toEqual({ on_hand: 10, reserved: 0 });
  });

  it('refuses to refund an unpaid order (409)', async () => {
    const { order } = await placeOrder();
    await request(h.app).post(`/orders/${order.id}/refund`).set(as(staff)).send({}).expect(409);
  });
});
