/** Screens rendered with the real router, session and API client over a fake gateway. */
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { components } from '../src/api/schema';
import { OptimizePlanView } from '../src/screens/lists';
import { adminMovesFor } from '../src/screens/orders';
import { json, noAlerts, renderApp, session, user } from './fake-gateway';

describe('sign-in', () => {
  it('asks for the second-factor code, verifies it against the challenge and lands on the page asked for', async () => {
    const { services, seen } = renderApp('/sign-in?next=%2Fapp%2Falerts', {
      'POST /auth/login': () =>
        json(202, {
          secondFactorRequired: true,
          challengeId: '0190a0b0-0000-7000-8000-0000000000cc',
          channel: 'email',
        }),
      'POST /auth/otp/verify': () => json(200, session),
      'GET /alerts': () => json(200, { items: [], nextCursor: null }),
    });
    services.session.clear();
    const person = userEvent.setup();
    await person.type(screen.getByLabelText('E-mail'), 'ada@example.com');
    await person.type(screen.getByLabelText('Password'), 'correct horse battery');
    await person.click(screen.getByRole('button', { name: 'Sign in' }));

    expect(await screen.findByRole('heading', { name: 'Enter your code' })).toBeTruthy();
    expect(screen.getByText(/by e-mail/)).toBeTruthy();
    await person.type(screen.getByLabelText('Code'), '123456');
    await person.click(screen.getByRole('button', { name: 'Sign in' }));

    expect(await screen.findByRole('heading', { name: 'Alerts' })).toBeTruthy();
    const verify = seen.find((request) => request.path === '/auth/otp/verify');
    expect(JSON.parse(verify?.body ?? '')).toEqual({
      challengeId: '0190a0b0-0000-7000-8000-0000000000cc',
      code: '123456',
    });
    expect(services.session.token).toBe('access-1');
    const alerts = seen.find((request) => request.path === '/alerts');
    expect(alerts?.auth).toBe('Bearer access-1');
  });

  it('asks a code sign-in for the SMS second factor when the code came by e-mail', async () => {
    const { services, seen } = renderApp('/sign-in/code', {
      'POST /auth/otp/start': () => json(202, { accepted: true }),
      'POST /auth/otp/verify': async (request) =>
        JSON.parse(await request.text()).challengeId
          ? json(200, session)
          : json(202, {
              secondFactorRequired: true,
              challengeId: '0190a0b0-0000-7000-8000-0000000000dd',
              channel: 'sms',
            }),
    });
    services.session.clear();
    const person = userEvent.setup();
    await person.type(screen.getByRole('textbox', { name: 'E-mail' }), 'ada@example.com');
    await person.click(screen.getByRole('button', { name: 'Send code' }));
    await person.type(await screen.findByLabelText('Code'), '111111');
    await person.click(screen.getByRole('button', { name: 'Sign in' }));

    expect(await screen.findByRole('heading', { name: 'Enter your code' })).toBeTruthy();
    expect(screen.getByText(/by text message/)).toBeTruthy();
    expect(services.session.getState().status).toBe('signed-out');
    await person.type(screen.getByLabelText('Code'), '222222');
    await person.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('heading', { name: 'Dashboard' })).toBeTruthy();
    const verifies = seen.filter((request) => request.path === '/auth/otp/verify');
    expect(JSON.parse(verifies.at(-1)?.body ?? '')).toEqual({
      challengeId: '0190a0b0-0000-7000-8000-0000000000dd',
      code: '222222',
    });
    expect(services.session.token).toBe('access-1');
  });

  it('shows the server’s message when the password is wrong, and stays signed out', async () => {
    const { services } = renderApp('/sign-in', {
      'POST /auth/login': () =>
        json(401, {
          error: { code: 'UNAUTHENTICATED', message: 'invalid e-mail or password', requestId: 'r1' },
        }),
    });
    services.session.clear();
    const person = userEvent.setup();
    await person.type(screen.getByLabelText('E-mail'), 'ada@example.com');
    await person.type(screen.getByLabelText('Password'), 'wrong password!');
    await person.click(screen.getByRole('button', { name: 'Sign in' }));
    expect((await screen.findByRole('alert')).textContent).toContain('invalid e-mail or password');
    expect(services.session.getState().status).toBe('signed-out');
  });

  it('sends a signed-out visitor of a private page to sign in, remembering where they were going', async () => {
    const { services } = renderApp('/app/purchases', {});
    services.session.clear();
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeTruthy();
  });
});

describe('receipt import', () => {
  it('shows what to fix without calling the API, then posts pasted text to /receipts/text', async () => {
    const { services, seen } = renderApp('/app/import', {
      'GET /stores': () =>
        json(200, {
          items: [{ slug: 'fresh-mart', name: 'Fresh Mart', website: null, ingestionMethods: ['text'] }],
          nextCursor: null,
        }),
      'GET /alerts': () => json(200, { items: [], nextCursor: null }),
      'POST /receipts/text': () =>
        json(201, {
          created: true,
          purchase: {
            id: '0190a0b0-0000-7000-8000-0000000000aa',
            storeSlug: 'fresh-mart',
            locationId: null,
            purchasedAt: '2026-11-03T17:20:00Z',
            currency: 'USD',
            totalCents: 199,
            savingsCents: 0,
            itemCount: 1,
            source: 'text',
            retailerReceiptId: null,
            createdAt: '2026-11-03T17:21:00Z',
            parseConfidence: 1,
            unparsedLines: [],
            items: [],
          },
        }),
    });
    services.session.accept(session);
    const person = userEvent.setup();
    await person.click(await screen.findByRole('button', { name: 'Import' }));
    expect(screen.getByText('Choose the store the receipt is from.')).toBeTruthy();
    expect(screen.getByText('Paste the text of the receipt.')).toBeTruthy();
    expect(seen.some((request) => request.path === '/receipts/text')).toBe(false);

    await screen.findByRole('option', { name: 'Fresh Mart' });
    await person.selectOptions(screen.getByLabelText('Store'), 'fresh-mart');
    await person.type(screen.getByLabelText('Receipt text'), 'MILK 1.99');
    await person.click(screen.getByRole('button', { name: 'Import' }));
    expect(await screen.findByText('Imported 1 receipt with 1 item.')).toBeTruthy();
    const sent = seen.find((request) => request.path === '/receipts/text');
    expect(JSON.parse(sent?.body ?? '')).toEqual({
      storeSlug: 'fresh-mart',
      text: 'MILK 1.99',
      currency: 'USD',
    });
  });
});

describe('OptimizePlanView', () => {
  const plan: components['schemas']['OptimizePlan'] = {
    currency: 'USD',
    maxStores: 2,
    stores: [
      {
        storeSlug: 'fresh-mart',
        items: [
          {
            productId: '0190a0b0-0000-7000-8000-000000000011',
            text: null,
            name: 'Whole milk',
            quantity: 2,
            unitPriceCents: 199,
            shelfCents: 398,
            coupon: {
              couponId: '0190a0b0-0000-7000-8000-000000000c01',
              title: 'Milk 50¢ off',
              discountCents: 50,
              requiresClip: true,
              clipped: false,
            },
            lineCents: 348,
            observedAt: '2026-11-01T00:00:00Z',
            priceAgeDays: 2,
          },
        ],
        subtotalCents: 348,
        spendCoupon: null,
        totalCents: 348,
      },
      {
        storeSlug: 'value-foods',
        items: [
          {
            productId: '0190a0b0-0000-7000-8000-000000000012',
            text: null,
            name: 'Bread',
            quantity: 1,
            unitPriceCents: 250,
            shelfCents: 250,
            coupon: null,
            lineCents: 250,
            observedAt: '2026-10-01T00:00:00Z',
            priceAgeDays: 33,
          },
        ],
        subtotalCents: 250,
        spendCoupon: {
          couponId: '0190a0b0-0000-7000-8000-000000000c02',
          title: '$1 off $2',
          discountCents: 100,
          requiresClip: false,
          clipped: false,
        },
        totalCents: 150,
      },
    ],
    totalCents: 498,
    bestSingleStore: { storeSlug: 'fresh-mart', totalCents: 640 },
    savingsVsBestSingleStoreCents: 142,
    averageSingleStoreCents: 700,
    savingsVsAverageCents: 202,
    unpricedItems: [{ productId: null, text: 'saffron', quantity: 1, reason: 'free-text' }],
    oldestPriceObservedAt: '2026-10-01T00:00:00Z',
    searchNodes: 12,
  };

  it('shows the total, each store’s items and coupons, the saving, and what it could not price', () => {
    render(<OptimizePlanView plan={plan} />);
    expect(screen.getByRole('heading', { level: 2 }).textContent).toBe('Cheapest plan: $4.98 at 2 stores');
    expect(
      screen.getByText(/Saves \$1\.42 against shopping everything at fresh-mart \(\$6\.40\)/),
    ).toBeTruthy();
    const freshMart = screen.getByRole('table', { name: 'Items to buy at fresh-mart' });
    const milk = within(freshMart).getByRole('row', { name: /Whole milk/ });
    expect(milk.textContent).toContain('coupon “Milk 50¢ off” −$0.50 (clip it first)');
    expect(milk.textContent).toContain('$3.48');
    expect(screen.getByRole('heading', { name: 'value-foods: $1.50' })).toBeTruthy();
    expect(screen.getByText(/price 33 days old/)).toBeTruthy();
    expect(screen.getByText('Coupon “$1 off $2”: −$1.00')).toBeTruthy();
    expect(screen.getByText('saffron: written as text, not a known product')).toBeTruthy();
  });
});

const locationId = '0190a0b0-0000-7000-8000-0000000000b1';
const orderId = '0190a0b0-0000-7000-8000-0000000000b2';
const cartLine = {
  id: '0190a0b0-0000-7000-8000-0000000000b3',
  catalogItemId: '0190a0b0-0000-7000-8000-0000000000b4',
  productId: '0190a0b0-0000-7000-8000-0000000000b5',
  gtin: null,
  name: 'Oat Milk',
  unitPriceCents: 249,
  quantity: 2,
  lineTotalCents: 498,
  available: 10,
};
const cart = {
  id: '0190a0b0-0000-7000-8000-0000000000b6',
  userId: user.id,
  locationId,
  currency: 'USD',
  items: [cartLine],
  itemCount: 2,
  subtotalCents: 498,
};
function orderIn(status: string) {
  const { available: _, ...item } = cartLine;
  return {
    id: orderId,
    userId: user.id,
    locationId,
    status,
    currency: 'USD',
    totalCents: 498,
    itemCount: 2,
    items: [item],
    expiresAt: null,
    createdAt: '2026-11-03T17:20:00Z',
    updatedAt: '2026-11-03T17:20:00Z',
  };
}

const paymentStart = {
  order: orderIn('PENDING'),
  payment: {
    id: '0190a0b0-0000-7000-8000-0000000000b7',
    orderId,
    provider: 'test',
    status: 'PENDING',
    providerReference: 'pi_test_0190a0b0000070008000000000000b7',
    amountCents: 498,
    currency: 'USD',
    createdAt: '2026-11-03T17:20:00Z',
    updatedAt: '2026-11-03T17:20:00Z',
  },
  clientSecret: 'pi_test_0190a0b0000070008000000000000b7_secret_abc',
  publishableKey: null,
};

describe('checkout', () => {
  it('places the cart as an order with an idempotency key, starts its payment, completes it and shows the paid order', async () => {
    const keys: (string | null)[] = [];
    let paid = false;
    const { services, seen } = renderApp(`/app/shop/${locationId}/cart`, {
      'GET /alerts': noAlerts,
      'GET /cart': () => json(200, cart),
      'POST /orders': (request) => {
        keys.push(request.headers.get('idempotency-key'));
        return json(201, orderIn('PENDING'));
      },
      [`POST /orders/${orderId}/pay`]: () => json(202, paymentStart),
      'POST /payments/test/confirm': () => {
        paid = true;
        return json(200, orderIn('PAID'));
      },
      [`GET /orders/${orderId}`]: () => json(200, orderIn(paid ? 'PAID' : 'PENDING')),
      [`GET /orders/${orderId}/history`]: () => json(200, { items: [], nextCursor: null }),
    });
    services.session.accept(session);
    const person = userEvent.setup();
    await person.click(await screen.findByRole('button', { name: 'Place order and pay $4.98' }));
    // Starting the payment does not pay: the order waits until the provider confirms it.
    expect(await screen.findByText('Waiting for payment')).toBeTruthy();
    await person.click(await screen.findByRole('button', { name: 'Complete test payment of $4.98' }));
    expect(await screen.findByText('Paid')).toBeTruthy();
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^checkout-[0-9a-f-]{36}$/);
    expect(JSON.parse(seen.find((r) => r.path === '/orders')?.body ?? '')).toEqual({ locationId });
    expect(seen.filter((r) => r.path === `/orders/${orderId}/pay`)).toHaveLength(1);
    expect(JSON.parse(seen.find((r) => r.path === '/payments/test/confirm')?.body ?? '')).toEqual({
      clientSecret: paymentStart.clientSecret,
      outcome: 'succeeded',
    });
  });

  it('offers to pay again after a declined test payment', async () => {
    const { services } = renderApp(`/app/orders/${orderId}`, {
      'GET /alerts': noAlerts,
      [`POST /orders/${orderId}/pay`]: () => json(202, paymentStart),
      'POST /payments/test/confirm': () => json(200, orderIn('PENDING')),
      [`GET /orders/${orderId}`]: () => json(200, orderIn('PENDING')),
      [`GET /orders/${orderId}/history`]: () => json(200, { items: [], nextCursor: null }),
    });
    services.session.accept(session);
    const person = userEvent.setup();
    await person.click(await screen.findByRole('button', { name: 'Pay $4.98' }));
    await person.click(await screen.findByRole('button', { name: 'Decline the payment' }));
    expect(await screen.findByRole('button', { name: 'Pay $4.98' })).toBeTruthy();
    expect(screen.getByText('Waiting for payment')).toBeTruthy();
  });

  it('shows why an order was refused and places nothing else', async () => {
    const { services, seen } = renderApp(`/app/shop/${locationId}/cart`, {
      'GET /alerts': noAlerts,
      'GET /cart': () => json(200, cart),
      'POST /orders': () =>
        json(409, { error: { code: 'OUT_OF_STOCK', message: 'Oat Milk: 1 left', requestId: 'r' } }),
    });
    services.session.accept(session);
    const person = userEvent.setup();
    await person.click(await screen.findByRole('button', { name: 'Place order and pay $4.98' }));
    expect((await screen.findByRole('alert')).textContent).toContain('Oat Milk: 1 left');
    expect(seen.some((r) => r.path.endsWith('/pay'))).toBe(false);
  });
});

describe('order status', () => {
  it('updates the order on screen when order.status-changed arrives on the live stream', async () => {
    let status = 'PAID';
    let push: (text: string) => void = () => {};
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        push = (text) => controller.enqueue(new TextEncoder().encode(text));
      },
    });
    const { services } = renderApp(`/app/orders/${orderId}`, {
      'GET /alerts': noAlerts,
      'GET /me/events': () => new Response(stream, { headers: { 'content-type': 'text/event-stream' } }),
      [`GET /orders/${orderId}`]: () => json(200, orderIn(status)),
      [`GET /orders/${orderId}/history`]: () => json(200, { items: [], nextCursor: null }),
    });
    services.session.accept(session);
    expect((await screen.findByTestId('order-status')).textContent).toBe('Paid');
    status = 'SHIPPED';
    push(
      `id: 7\nevent: order.status-changed\ndata: ${JSON.stringify({ data: { orderId, from: 'PAID', to: 'SHIPPED' } })}\n\n`,
    );
    expect(await screen.findByText('Shipped')).toBeTruthy();
    expect(screen.getByRole('status').textContent).toContain('Your order is now shipped');
  });

  it('offers admins only the moves the state machine allows', () => {
    expect(adminMovesFor('PAID').map((move) => move.to)).toEqual(['SHIPPED', 'REFUNDED']);
    expect(adminMovesFor('SHIPPED').map((move) => move.to)).toEqual(['DELIVERED']);
    expect(adminMovesFor('PENDING')).toEqual([]);
    expect(adminMovesFor('CANCELLED')).toEqual([]);
  });
});

describe('product', () => {
  it('charts each store’s history and says how many of its prices are the shopper’s own', async () => {
    const id = '0190a0b0-0000-7000-8000-0000000000ee';
    const price = (storeSlug: string, priceCents: number) => ({
      storeSlug,
      priceCents,
      regularPriceCents: null,
      currency: 'USD',
      isSale: false,
      unitPrice: null,
      observedAt: '2026-12-01T12:00:00.000Z',
    });
    const points = {
      kroger: [
        { period: '2026-11-23', minCents: 100, avgCents: 100, maxCents: 100, count: 1, ownCount: 0 },
        { period: '2026-11-30', minCents: 90, avgCents: 95, maxCents: 100, count: 2, ownCount: 1 },
      ],
      aldi: [{ period: '2026-11-30', minCents: 80, avgCents: 85, maxCents: 90, count: 2, ownCount: 2 }],
    };
    const { seen } = renderApp(
      `/app/products/${id}`,
      {
        [`GET /products/${id}`]: () =>
          json(200, {
            id,
            name: 'Bananas',
            brand: null,
            category: 'produce',
            size: null,
            gtins: [],
            prices: [price('kroger', 100), price('aldi', 85)],
            cheapestStore: 'aldi',
          }),
        [`GET /products/${id}/prices`]: (request) => {
          const store = new URL(request.url).searchParams.get('store') as 'kroger' | 'aldi';
          return json(200, {
            productId: id,
            interval: 'week',
            store,
            currency: 'USD',
            points: points[store],
          });
        },
      },
      'user',
    );
    expect(await screen.findByText(/Includes 3 of your own receipt prices\./)).toBeTruthy();
    expect(screen.getByText(/count only once the store or several shoppers confirm them/)).toBeTruthy();
    const series = seen.filter((request) => request.path === `/products/${id}/prices`);
    expect(series).toHaveLength(2);
  });
});
