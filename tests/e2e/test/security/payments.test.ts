/**
 * Issue #17, "payments that are real", through the gateway of the running platform (orders runs the
 * `test` payment provider, as `pnpm start` does): a shopper's `POST /orders/{id}/pay` only starts a
 * payment; the order becomes PAID on the provider's signed confirmation (`POST /payments/webhooks/test`,
 * Stripe's signature scheme), applied once, with its amount and currency checked; or when staff of the
 * order's retailer record an in-store payment. Shoppers and staff of another retailer change nothing.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerAccount, registerStaffAccount } from '../../src/accounts.js';
import { eventually } from '../../src/eventually.js';
import { GatewayClient, type Session } from '../../src/gateway-client.js';
import { randomGtin13 } from '../../src/gtin.js';
import { sharedPlatform } from '../../src/shared-platform.js';

const platform = sharedPlatform();
const gateway = new GatewayClient(platform.url);

interface Order {
  id: string;
  status: string;
  totalCents: number;
  currency: string;
}

interface PaymentStart {
  order: Order;
  payment: { id: string; status: string; provider: string; providerReference: string; amountCents: number };
  clientSecret: string;
}

interface HistoryPage {
  items: Array<{ from: string | null; to: string; actor: string }>;
}

const PRICE_CENTS = 1234;
let admin: Session;
let retailer: string;
let locationId: string;
let gtin: string;
let staff: Session;
let otherStaff: Session;

async function createRetailer(label: string): Promise<string> {
  const slug = `${label}-${randomBytes(4).toString('hex')}`;
  await gateway.post(
    '/stores',
    { slug, name: `${label} store`, ingestionMethods: ['json'] },
    { token: admin.token, expect: 201 },
  );
  return slug;
}

beforeAll(async () => {
  admin = await eventually('admin login', () => gateway.loginAdmin(platform.admin));
  retailer = await createRetailer('paymart');
  const otherRetailer = await createRetailer('othermart');
  const location = await gateway.post<{ id: string }>(
    '/catalog/locations',
    { storeSlug: retailer, name: 'Paymart Main St', currency: 'USD' },
    { token: admin.token, expect: 201 },
  );
  locationId = location.body.id;
  gtin = randomGtin13();
  await gateway.post(
    '/catalog/items',
    { locationId, gtin, name: 'Payment test coffee', priceCents: PRICE_CENTS, onHand: 1000 },
    { token: admin.token, expect: 201 },
  );
  staff = await registerStaffAccount(gateway, admin.token, retailer);
  otherStaff = await registerStaffAccount(gateway, admin.token, otherRetailer);
});

async function placeOrder(shopper: Session): Promise<Order> {
  await gateway.post('/cart/items', { locationId, gtin, quantity: 2 }, { token: shopper.token, expect: 200 });
  const { body } = await gateway.post<Order>(
    '/orders',
    { locationId },
    { token: shopper.token, expect: 201, headers: { 'idempotency-key': randomUUID() } },
  );
  return body;
}

async function statusOf(order: Order, token: string): Promise<string> {
  return (await gateway.get<Order>(`/orders/${order.id}`, { token, expect: 200 })).body.status;
}

async function paidTransitions(order: Order, token: string) {
  const { body } = await gateway.get<HistoryPage>(`/orders/${order.id}/history?limit=100`, {
    token,
    expect: 200,
  });
  return body.items
    .filter((entry) => entry.to === 'PAID')
    .map(({ from, to, actor }) => ({ from, to, actor }));
}

/** The status a call answers, whatever it is (refusals are what these tests look at). */
async function statusOfCall(path: string, body: unknown, token: string): Promise<number> {
  const response = await fetch(`${platform.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  return response.status;
}

async function startPayment(shopper: Session, order: Order): Promise<PaymentStart> {
  return (
    await gateway.post<PaymentStart>(`/orders/${order.id}/pay`, {}, { token: shopper.token, expect: 202 })
  ).body;
}

/** A provider event signed the way Stripe signs webhooks: `t=<unix>,v1=<hex HMAC-SHA256 of "t.body">`. */
function signedEvent(
  event: Record<string, unknown>,
  secret = platform.paymentWebhookSecret,
): { body: string; signature: string } {
  const body = JSON.stringify(event);
  const timestamp = Math.floor(Date.now() / 1000);
  const v1 = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return { body, signature: `t=${timestamp},v1=${v1}` };
}

function succeededEvent(start: PaymentStart, overrides: { amount?: number; currency?: string } = {}) {
  const amount = overrides.amount ?? start.payment.amountCents;
  return {
    id: `evt_${randomBytes(12).toString('hex')}`,
    object: 'event',
    type: 'payment_intent.succeeded',
    created: Math.floor(Date.now() / 1000),
    data: {
      object: {
        id: start.payment.providerReference,
        object: 'payment_intent',
        amount,
        amount_received: amount,
        currency: overrides.currency ?? start.order.currency.toLowerCase(),
        status: 'succeeded',
        metadata: { orderId: start.order.id, paymentId: start.payment.id },
      },
    },
  };
}

async function postWebhook(body: string, signature: string | undefined) {
  const response = await fetch(`${platform.url}/payments/webhooks/test`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(signature !== undefined && { 'stripe-signature': signature }),
    },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("a shopper's pay only starts a payment", () => {
  it('POST /orders/{id}/pay leaves the order PENDING and answers what the client completes it with', async () => {
    const shopper = await registerAccount(gateway, 'payer');
    const order = await placeOrder(shopper);
    const answer = await gateway.post<Partial<PaymentStart> & Partial<Order>>(
      `/orders/${order.id}/pay`,
      {},
      { token: shopper.token },
    );
    expect(await statusOf(order, shopper.token)).toBe('PENDING');
    expect(answer.status).toBe(202);
    expect(answer.body.order?.status).toBe('PENDING');
    expect(answer.body.payment).toMatchObject({
      provider: 'test',
      status: 'PENDING',
      amountCents: 2 * PRICE_CENTS,
    });
    expect(answer.body.clientSecret).toEqual(expect.any(String));
    // The old way in: a reference of the shopper's choosing is refused, and the order stays unpaid.
    await gateway.post(`/orders/${order.id}/pay`, { reference: 'x' }, { token: shopper.token, expect: 400 });
    expect(await statusOf(order, shopper.token)).toBe('PENDING');
    expect(await paidTransitions(order, shopper.token)).toEqual([]);
  });
});

describe('the provider webhook', () => {
  it('refuses a forged or unsigned confirmation and changes nothing', async () => {
    const shopper = await registerAccount(gateway, 'forger');
    const order = await placeOrder(shopper);
    const start = await startPayment(shopper, order);
    const event = succeededEvent(start);
    const unsigned = await postWebhook(JSON.stringify(event), undefined);
    expect(unsigned.status).toBe(401);
    expect(unsigned.body).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
    const forged = signedEvent(event, `whsec_${randomBytes(24).toString('base64')}`);
    expect((await postWebhook(forged.body, forged.signature)).status).toBe(401);
    // A valid signature over other bytes does not carry over to a tampered body.
    const genuine = signedEvent(event);
    const tampered = genuine.body.replace(`"amount":${start.payment.amountCents}`, '"amount":1');
    expect((await postWebhook(tampered, genuine.signature)).status).toBe(401);
    expect(await statusOf(order, shopper.token)).toBe('PENDING');
    expect(await paidTransitions(order, shopper.token)).toEqual([]);
  });

  it('refuses a confirmation whose amount or currency is not the order’s', async () => {
    const shopper = await registerAccount(gateway, 'short-payer');
    const order = await placeOrder(shopper);
    const start = await startPayment(shopper, order);
    for (const overrides of [{ amount: 1 }, { currency: 'eur' }]) {
      const { body, signature } = signedEvent(succeededEvent(start, overrides));
      const answer = await postWebhook(body, signature);
      expect(answer.status).toBe(422);
      expect(answer.body).toMatchObject({ error: { code: 'UNPROCESSABLE' } });
    }
    expect(await statusOf(order, shopper.token)).toBe('PENDING');
  });

  it('makes the order PAID on a signed confirmation, once: a replay changes nothing', async () => {
    const shopper = await registerAccount(gateway, 'confirmed');
    const order = await placeOrder(shopper);
    const start = await startPayment(shopper, order);
    const { body, signature } = signedEvent(succeededEvent(start));
    expect((await postWebhook(body, signature)).status).toBe(200);
    expect(await statusOf(order, shopper.token)).toBe('PAID');
    const replay = await postWebhook(body, signature);
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ outcome: 'duplicate' });
    // Another event confirming the same payment is no second payment either.
    const again = signedEvent(succeededEvent(start));
    expect((await postWebhook(again.body, again.signature)).status).toBe(200);
    expect(await statusOf(order, shopper.token)).toBe('PAID');
    expect(await paidTransitions(order, shopper.token)).toEqual([
      { from: 'PENDING', to: 'PAID', actor: 'provider:test' },
    ]);
  });

  it("completes through the test provider's own step, for the payer only", async () => {
    const shopper = await registerAccount(gateway, 'completer');
    const stranger = await registerAccount(gateway, 'stranger');
    const order = await placeOrder(shopper);
    const start = await startPayment(shopper, order);
    await gateway.post(
      '/payments/test/confirm',
      { clientSecret: start.clientSecret, outcome: 'succeeded' },
      { token: stranger.token, expect: 404 },
    );
    expect(await statusOf(order, shopper.token)).toBe('PENDING');
    const { body } = await gateway.post<Order>(
      '/payments/test/confirm',
      { clientSecret: start.clientSecret, outcome: 'succeeded' },
      { token: shopper.token, expect: 200 },
    );
    expect(body.status).toBe('PAID');
    await gateway.post(
      '/payments/test/confirm',
      { clientSecret: start.clientSecret, outcome: 'succeeded' },
      { token: shopper.token, expect: 200 },
    );
    expect(await paidTransitions(order, shopper.token)).toHaveLength(1);
  });
});

describe('in-store payments and refunds are for staff of the order’s retailer', () => {
  it('refuses a shopper and staff of another retailer, and lets staff of the retailer record it', async () => {
    const shopper = await registerAccount(gateway, 'in-store');
    const order = await placeOrder(shopper);
    const payment = { reference: 'till-7 receipt 0042', amountCents: order.totalCents };
    for (const caller of [shopper, otherStaff]) {
      const status = await statusOfCall(`/orders/${order.id}/in-store-payment`, payment, caller.token);
      expect([403, 404]).toContain(status);
    }
    expect(await statusOf(order, shopper.token)).toBe('PENDING');
    await gateway.post(
      `/orders/${order.id}/in-store-payment`,
      { ...payment, amountCents: order.totalCents - 1 },
      { token: staff.token, expect: 422 },
    );
    const { body } = await gateway.post<Order>(`/orders/${order.id}/in-store-payment`, payment, {
      token: staff.token,
      expect: 200,
    });
    expect(body.status).toBe('PAID');
    expect(await paidTransitions(order, shopper.token)).toEqual([
      { from: 'PENDING', to: 'PAID', actor: `staff:${staff.userId}` },
    ]);
  });

  it('refunds through the provider for staff of the retailer only', async () => {
    const shopper = await registerAccount(gateway, 'refunded');
    const order = await placeOrder(shopper);
    const start = await startPayment(shopper, order);
    await gateway.post(
      '/payments/test/confirm',
      { clientSecret: start.clientSecret, outcome: 'succeeded' },
      { token: shopper.token, expect: 200 },
    );
    for (const caller of [shopper, otherStaff]) {
      expect([403, 404]).toContain(await statusOfCall(`/orders/${order.id}/refund`, {}, caller.token));
    }
    expect(await statusOf(order, shopper.token)).toBe('PAID');
    const { body } = await gateway.post<{ order: Order; refund: { status: string; amountCents: number } }>(
      `/orders/${order.id}/refund`,
      { reason: 'customer returned it' },
      { token: staff.token, expect: 200 },
    );
    expect(body.refund).toMatchObject({ status: 'SUCCEEDED', amountCents: order.totalCents });
    expect(body.order.status).toBe('REFUNDED');
    expect(await statusOf(order, shopper.token)).toBe('REFUNDED');
  });
});
