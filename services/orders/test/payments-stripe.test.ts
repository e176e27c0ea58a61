/**
 * The Stripe adapter: the real `stripe` SDK against a local fake of Stripe's API (fake-stripe.ts), and
 * webhooks signed as Stripe signs them. `pay` creates a PaymentIntent with an idempotency key derived
 * from the payment id and leaves the order PENDING; only a verified `payment_intent.succeeded` whose
 * amount and currency are the order's makes it PAID, once; refunds go through Stripe and settle on its
 * `refund.*` confirmation.
 */
import { newId } from '@cartwatch/db';
import { TEST_SERVICE_KEY } from '@cartwatch/testing';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeStripe, signedStripeEvent, startFakeStripe } from './fake-stripe.js';
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

const WEBHOOK_SECRET = 'whsec_orders_stripe_test_secret';
const PUBLISHABLE_KEY = 'pk_test_orders123';
const staff = { ...testUser({ role: 'staff' }), retailer: 'acme' };

let h: Harness;
let stripe: FakeStripe;
let locationId: string;

beforeAll(async () => {
  stripe = await startFakeStripe();
  h = await createHarness(
    'orders_stripe',
    {
      PAYMENT_PROVIDER: 'stripe',
      STRIPE_SECRET_KEY: 'sk_test_orders123',
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      STRIPE_PUBLISHABLE_KEY: PUBLISHABLE_KEY,
    },
    { stripeApi: stripe.address },
  );
  locationId = await createLocation(h, { currency: 'EUR' });
});
afterAll(async () => {
  await h.close();
  await stripe.close();
});
beforeEach(() => {
  stripe.failWith = undefined;
});

async function placeOrder(user = testUser(), quantity = 2) {
  const item = await createItem(h, locationId, { priceCents: 450, onHand: 10 });
  expect((await addToCart(h, user, locationId, item.productId, quantity)).status).toBe(200);
  const response = await request(h.app)
    .post('/orders')
    .set(as(user))
    .set('Idempotency-Key', newId())
    .send({ locationId })
    .expect(201);
  return { user, item, order: response.body as { id: string; totalCents: number; currency: string } };
}

function pay(user: { id: string }, orderId: string) {
  return request(h.app).post(`/orders/${orderId}/pay`).set(as(user)).send({});
}

function postWebhook(body: string, signature?: string) {
  const call = request(h.app)
    .post('/payments/webhooks/stripe')
    .set('x-service-key', TEST_SERVICE_KEY)
    .set('content-type', 'application/json');
  return (signature === undefined ? call : call.set('stripe-signature', signature)).send(body);
}

function succeeded(intentId: string, overrides: { amount?: number; currency?: string; id?: string } = {}) {
  const intent = stripe.intents.get(intentId);
  if (!intent) throw new Error(`no intent ${intentId}`);
  const amount = overrides.amount ?? intent.amount;
  return signedStripeEvent(
    'payment_intent.succeeded',
    {
      ...intent,
      status: 'succeeded',
      amount,
      amount_received: amount,
      currency: overrides.currency ?? intent.currency,
    },
    WEBHOOK_SECRET,
    overrides.id === undefined ? {} : { id: overrides.id },
  );
}

async function paymentsOf(orderId: string) {
  const { rows } = await h.database.pool.query<{ status: string; provider_reference: string | null }>(
    'select status, provider_reference from payment where order_id = $1 order by id',
    [orderId],
  );
  return rows;
}

describe('starting a payment', () => {
  it('creates a PaymentIntent with an idempotency key of the payment and leaves the order PENDING', async () => {
    const { user, order } = await placeOrder();
    const response = await pay(user, order.id).expect(202);
    const { payment, clientSecret, publishableKey } = response.body;
    expect(response.body.order.status).toBe('PENDING');
    expect(payment).toMatchObject({
      provider: 'stripe',
      status: 'PENDING',
      amountCents: 900,
      currency: 'EUR',
    });
    expect(publishableKey).toBe(PUBLISHABLE_KEY);
    const created = stripe.requests.filter(
      (r) => r.method === 'POST' && r.form['metadata[orderId]'] === order.id,
    );
    expect(created).toEqual([
      expect.objectContaining({
        path: '/v1/payment_intents',
        idempotencyKey: `payment-${payment.id}`,
        authorization: 'Bearer sk_test_orders123',
        form: expect.objectContaining({
          amount: '900',
          currency: 'eur',
          'automatic_payment_methods[enabled]': 'true',
          'metadata[paymentId]': payment.id,
        }),
      }),
    ]);
    expect(stripe.intents.get(payment.providerReference)?.client_secret).toBe(clientSecret);
    expect(await orderStatusOf(h, order.id)).toBe('PENDING');
  });

  it('answers the same payment when pay is called again, without a second PaymentIntent', async () => {
    const { user, order } = await placeOrder();
    const first = (await pay(user, order.id).expect(202)).body;
    const second = (await pay(user, order.id).expect(202)).body;
    expect(second.payment.id).toBe(first.payment.id);
    expect(second.clientSecret).toBe(first.clientSecret);
    expect(stripe.requests.filter((r) => r.form['metadata[orderId]'] === order.id)).toHaveLength(1);
    expect(await paymentsOf(order.id)).toHaveLength(1);
  });

  it('answers 503 when Stripe is down and retries the same PaymentIntent creation later', async () => {
    const { user, order } = await placeOrder();
    stripe.failWith = 500;
    const down = await pay(user, order.id).expect(503);
    expect(down.body.error.code).toBe('UPSTREAM_UNAVAILABLE');
    stripe.failWith = undefined;
    const { payment } = (await pay(user, order.id).expect(202)).body;
    const keys = new Set(
      stripe.requests
        .filter((r) => r.path === '/v1/payment_intents' && r.idempotencyKey?.includes(payment.id))
        .map((r) => r.idempotencyKey),
    );
    expect([...keys]).toEqual([`payment-${payment.id}`]);
    expect(await orderStatusOf(h, order.id)).toBe('PENDING');
  });

  it("refuses another user's order and a body with a payer-chosen reference", async () => {
    const { user, order } = await placeOrder();
    await pay(testUser(), order.id).expect(404);
    await request(h.app).post(`/orders/${order.id}/pay`).set(as(user)).send({ reference: 'x' }).expect(400);
    expect(await orderStatusOf(h, order.id)).toBe('PENDING');
  });
});

describe('the Stripe webhook', () => {
  it('makes the order PAID on payment_intent.succeeded, with history, event and payment row', async () => {
    const { user, order, item } = await placeOrder();
    const { payment } = (await pay(user, order.id).expect(202)).body;
    const event = succeeded(payment.providerReference);
    const response = await postWebhook(event.body, event.signature).expect(200);
    expect(response.body).toEqual({ received: true, outcome: 'applied' });
    expect(await orderStatusOf(h, order.id)).toBe('PAID');
    expect(await paymentsOf(order.id)).toEqual([
      { status: 'SUCCEEDED', provider_reference: payment.providerReference },
    ]);
    expect(await stockOf(h, item.id)).toEqual({ on_hand: 10, reserved: 2 });
    const events = (await outboxEvents(h, 'order.status-changed.v1')).filter(
      (e) => e.data.orderId === order.id,
    );
    expect(events.map((e) => [e.data.from, e.data.to, e.data.actor])).toEqual([
      ['PENDING', 'PAID', 'provider:stripe'],
    ]);
  });

  it('applies an event id once: a redelivery or replay is a duplicate and changes nothing', async () => {
    const { user, order } = await placeOrder();
    const { payment } = (await pay(user, order.id).expect(202)).body;
    const event = succeeded(payment.providerReference);
    await postWebhook(event.body, event.signature).expect(200);
    const replay = await postWebhook(event.body, event.signature).expect(200);
    expect(replay.body).toEqual({ received: true, outcome: 'duplicate' });
    const other = succeeded(payment.providerReference);
    expect((await postWebhook(other.body, other.signature).expect(200)).body.outcome).toBe('ignored');
    const history = await request(h.app).get(`/orders/${order.id}/history`).set(as(user)).expect(200);
    expect(history.body.items.filter((e: { to: string }) => e.to === 'PAID')).toHaveLength(1);
    const events = (await outboxEvents(h, 'order.status-changed.v1')).filter(
      (e) => e.data.orderId === order.id,
    );
    expect(events).toHaveLength(1);
  });

  it('refuses an amount or currency that is not the order’s (422) and changes nothing', async () => {
    const { user, order } = await placeOrder();
    const { payment } = (await pay(user, order.id).expect(202)).body;
    for (const overrides of [{ amount: 899 }, { amount: 901 }, { currency: 'usd' }]) {
      const event = succeeded(payment.providerReference, overrides);
      const response = await postWebhook(event.body, event.signature).expect(422);
      expect(response.body.error).toMatchObject({
        code: 'UNPROCESSABLE',
        details: { reason: 'AMOUNT_MISMATCH' },
      });
      const { rows } = await h.database.pool.query('select 1 from payment_event where event_id = $1', [
        event.id,
      ]);
      expect(rows).toEqual([]);
    }
    expect(await orderStatusOf(h, order.id)).toBe('PENDING');
    expect(await paymentsOf(order.id)).toEqual([
      { status: 'PENDING', provider_reference: payment.providerReference },
    ]);
  });

  it('refuses a missing, forged or stale signature with 401 and changes nothing', async () => {
    const { user, order } = await placeOrder();
    const { payment } = (await pay(user, order.id).expect(202)).body;
    const genuine = succeeded(payment.providerReference);
    const forged = signedStripeEvent(
      'payment_intent.succeeded',
      JSON.parse(genuine.body).data.object,
      'whsec_not_ours',
    );
    const stale = signedStripeEvent(
      'payment_intent.succeeded',
      JSON.parse(genuine.body).data.object,
      WEBHOOK_SECRET,
      {
        timestamp: Math.floor(Date.now() / 1000) - 3600,
      },
    );
    for (const [body, signature] of [
      [genuine.body, undefined],
      [genuine.body, 'garbage'],
      [forged.body, forged.signature],
      [stale.body, stale.signature],
      [genuine.body.replace('"amount":900', '"amount":1'), genuine.signature],
    ] as const) {
      const response = await postWebhook(body, signature).expect(401);
      expect(response.body.error.code).toBe('UNAUTHENTICATED');
    }
    expect(await orderStatusOf(h, order.id)).toBe('PENDING');
  });

  it('is reachable only with the service key (the gateway), like every route', async () => {
    const { user, order } = await placeOrder();
    const { payment } = (await pay(user, order.id).expect(202)).body;
    const event = succeeded(payment.providerReference);
    await request(h.app)
      .post('/payments/webhooks/stripe')
      .set('stripe-signature', event.signature)
      .set('content-type', 'application/json')
      .send(event.body)
      .expect(401);
    await postWebhook(event.body, event.signature).expect(200);
    expect(await orderStatusOf(h, order.id)).toBe('PAID');
  });

  it('answers 404 for a provider this deployment does not run', async () => {
    await request(h.app)
      .post('/payments/webhooks/test')
      .set('x-service-key', TEST_SERVICE_KEY)
      .set('stripe-signature', 't=1,v1=00')
      .send('{}')
      .expect(404);
    await request(h.app)
      .post('/payments/test/confirm')
      .set(as(testUser()))
      .send({ clientSecret: 'pi_x_secret_y' })
      .expect(404);
  });

  it('marks a failed payment FAILED; the order stays PENDING and the next pay starts a new PaymentIntent', async () => {
    const { user, order } = await placeOrder();
    const first = (await pay(user, order.id).expect(202)).body;
    const intent = stripe.intents.get(first.payment.providerReference);
    const failed = signedStripeEvent('payment_intent.payment_failed', { ...intent }, WEBHOOK_SECRET);
    expect((await postWebhook(failed.body, failed.signature).expect(200)).body.outcome).toBe('applied');
    expect(await orderStatusOf(h, order.id)).toBe('PENDING');
    const second = (await pay(user, order.id).expect(202)).body;
    expect(second.payment.id).not.toBe(first.payment.id);
    expect(second.payment.providerReference).not.toBe(first.payment.providerReference);
    expect((await paymentsOf(order.id)).map((p) => p.status)).toEqual(['FAILED', 'PENDING']);
  });

  it('refunds a payment that arrives for an order the sweeper cancelled meanwhile', async () => {
    const { user, order, item } = await placeOrder();
    const { payment } = (await pay(user, order.id).expect(202)).body;
    await request(h.app).post(`/orders/${order.id}/cancel`).set(as(user)).send({}).expect(200);
    const event = succeeded(payment.providerReference);
    await postWebhook(event.body, event.signature).expect(200);
    expect(await orderStatusOf(h, order.id)).toBe('CANCELLED');
    const refunds = stripe.requests.filter(
      (r) => r.path === '/v1/refunds' && r.form.payment_intent === payment.providerReference,
    );
    expect(refunds).toEqual([expect.objectContaining({ form: expect.objectContaining({ amount: '900' }) })]);
    expect(refunds[0]?.idempotencyKey).toMatch(/^refund-/);
    expect(await stockOf(h, item.id)).toEqual({ on_hand: 10, reserved: 0 });
  });
});

describe('automatic refunds', () => {
  it('retries the refund of money for a cancelled order on the redelivery when Stripe was down', async () => {
    const { user, order } = await placeOrder();
    const { payment } = (await pay(user, order.id).expect(202)).body;
    await request(h.app).post(`/orders/${order.id}/cancel`).set(as(user)).send({}).expect(200);
    const event = succeeded(payment.providerReference);
    stripe.failWith = 500;
    await postWebhook(event.body, event.signature).expect(503);
    stripe.failWith = undefined;
    // Stripe redelivers the same event: it was applied, but the refund still has to reach Stripe.
    expect((await postWebhook(event.body, event.signature).expect(200)).body.outcome).toBe('duplicate');
    const created = [...stripe.refunds.values()].filter(
      (r) => r.payment_intent === payment.providerReference,
    );
    expect(created).toHaveLength(1);
    await postWebhook(event.body, event.signature).expect(200);
    expect(
      [...stripe.refunds.values()].filter((r) => r.payment_intent === payment.providerReference),
    ).toHaveLength(1);
    expect(await orderStatusOf(h, order.id)).toBe('CANCELLED');
  });
});

describe('refunds through Stripe', () => {
  async function paidOrder() {
    const placed = await placeOrder();
    const { payment } = (await pay(placed.user, placed.order.id).expect(202)).body;
    const event = succeeded(payment.providerReference);
    await postWebhook(event.body, event.signature).expect(200);
    return { ...placed, payment };
  }

  it('creates a Stripe refund for staff of the retailer; the order is REFUNDED on the refund webhook, once', async () => {
    const { order, payment, item } = await paidOrder();
    const response = await request(h.app)
      .post(`/orders/${order.id}/refund`)
      .set(as(staff))
      .send({ reason: 'damaged' })
      .expect(202);
    expect(response.body.refund).toMatchObject({ status: 'PENDING', amountCents: 900, provider: 'stripe' });
    expect(response.body.order.status).toBe('PAID');
    const [call] = stripe.requests.filter(
      (r) => r.path === '/v1/refunds' && r.form.payment_intent === payment.providerReference,
    );
    expect(call).toMatchObject({
      idempotencyKey: `refund-${response.body.refund.id}`,
      form: expect.objectContaining({ amount: '900', 'metadata[refundId]': response.body.refund.id }),
    });
    // Asking again answers the same refund, without a second one at Stripe.
    const again = await request(h.app).post(`/orders/${order.id}/refund`).set(as(staff)).send({}).expect(202);
    expect(again.body.refund.id).toBe(response.body.refund.id);

    const refund = stripe.refunds.get(response.body.refund.providerReference);
    const mismatch = signedStripeEvent(
      'refund.updated',
      { ...refund, status: 'succeeded', amount: 1 },
      WEBHOOK_SECRET,
    );
    await postWebhook(mismatch.body, mismatch.signature).expect(422);
    expect(await orderStatusOf(h, order.id)).toBe('PAID');
    const settled = signedStripeEvent('refund.updated', { ...refund, status: 'succeeded' }, WEBHOOK_SECRET);
    await postWebhook(settled.body, settled.signature).expect(200);
    expect(await orderStatusOf(h, order.id)).toBe('REFUNDED');
    expect((await postWebhook(settled.body, settled.signature).expect(200)).body.outcome).toBe('duplicate');
    expect(await stockOf(h, item.id)).toEqual({ on_hand: 10, reserved: 0 });
    const events = (await outboxEvents(h, 'order.status-changed.v1')).filter(
      (e) => e.data.orderId === order.id,
    );
    expect(events.map((e) => [e.data.to, e.data.actor])).toEqual([
      ['PAID', 'provider:stripe'],
      ['REFUNDED', 'provider:stripe'],
    ]);
  });

  it('settles a refund whose webhook comes before its id was recorded (found by its metadata)', async () => {
    const { order } = await paidOrder();
    const response = await request(h.app)
      .post(`/orders/${order.id}/refund`)
      .set(as(h.admin))
      .send({})
      .expect(202);
    await h.database.pool.query('update refund set provider_reference = null where id = $1', [
      response.body.refund.id,
    ]);
    const refund = stripe.refunds.get(response.body.refund.providerReference);
    const settled = signedStripeEvent('refund.created', { ...refund, status: 'succeeded' }, WEBHOOK_SECRET);
    await postWebhook(settled.body, settled.signature).expect(200);
    expect(await orderStatusOf(h, order.id)).toBe('REFUNDED');
  });

  it('leaves the order PAID when Stripe reports the refund failed', async () => {
    const { order } = await paidOrder();
    const response = await request(h.app)
      .post(`/orders/${order.id}/refund`)
      .set(as(staff))
      .send({})
      .expect(202);
    const refund = stripe.refunds.get(response.body.refund.providerReference);
    const failed = signedStripeEvent('refund.failed', { ...refund, status: 'failed' }, WEBHOOK_SECRET);
    await postWebhook(failed.body, failed.signature).expect(200);
    expect(await orderStatusOf(h, order.id)).toBe('PAID');
    const { rows } = await h.database.pool.query('select status from refund where order_id = $1', [order.id]);
    expect(rows).toEqual([{ status: 'FAILED' }]);
  });

  it('refuses shoppers and staff of another retailer (403) and changes nothing', async () => {
    const { user, order } = await paidOrder();
    for (const caller of [user, testUser(), { ...testUser({ role: 'staff' }), retailer: 'other-mart' }]) {
      const response = await request(h.app).post(`/orders/${order.id}/refund`).set(as(caller)).send({});
      expect(response.status).toBe(403);
    }
    expect(await orderStatusOf(h, order.id)).toBe('PAID');
    const refundsOfOrder = stripe.requests.filter(
      (r) =>
        r.path === '/v1/refunds' &&
        stripe.intents.get(r.form.payment_intent ?? '')?.metadata.orderId === order.id,
    );
    expect(refundsOfOrder).toEqual([]);
  });
});
