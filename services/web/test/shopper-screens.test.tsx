/** Store accounts, coupons, shrinkflation evidence and cart pairing over a fake gateway. */
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { components } from '../src/api/schema';
import { describeDiscount, relevantFirst, withClipped } from '../src/screens/coupons';
import { unitPriceCents } from '../src/screens/shrinkflation';
import { describeSyncFailure } from '../src/screens/store-accounts';
import { apiError, json, noAlerts, renderApp, session } from './fake-gateway';

type Coupon = components['schemas']['Coupon'];

function couponOf(id: string, title: string, overrides: Partial<Coupon> = {}): Coupon {
  return {
    id: `0190a0b0-0000-7000-8000-00000000c0${id}`,
    externalId: null,
    storeSlug: 'fresh-mart',
    scope: { kind: 'product', productId: null, brand: null, category: null },
    type: 'fixed',
    percentOff: null,
    amountOffCents: 50,
    buyQuantity: null,
    getQuantity: null,
    getPercentOff: null,
    thresholdCents: null,
    minQuantity: 1,
    minPurchaseCents: null,
    currency: 'USD',
    validFrom: '2026-11-01T00:00:00Z',
    validTo: '2026-12-31T00:00:00Z',
    requiresClip: true,
    code: null,
    sourceUrl: null,
    title,
    description: null,
    clipped: false,
    createdAt: '2026-11-01T00:00:00Z',
    updatedAt: '2026-11-01T00:00:00Z',
    ...overrides,
  };
}

describe('coupons', () => {
  const milk = couponOf('01', 'Milk 50¢ off');
  const bread = couponOf('02', 'Bread 20 % off', { type: 'percent', percentOff: 20, amountOffCents: null });
  const soap = couponOf('03', 'Soap 2 for 1', { type: 'bogo', amountOffCents: null, requiresClip: false });
  const tea = couponOf('04', 'Tea $1 off', { amountOffCents: 100 });

  it('puts the relevant coupons first in the service’s order and lists each coupon once', () => {
    const { forYou, others } = relevantFirst(
      [
        { coupon: bread, score: 90, reasons: ['product on your list'] },
        { coupon: milk, score: 60, reasons: ['product you bought recently'] },
      ],
      [milk, soap, bread, tea],
    );
    expect(forYou.map((entry) => entry.coupon.title)).toEqual(['Bread 20 % off', 'Milk 50¢ off']);
    expect(forYou[0]?.reasons).toEqual(['product on your list']);
    expect(others.map((entry) => entry.coupon.title)).toEqual(['Soap 2 for 1', 'Tea $1 off']);
  });

  it('marks one coupon clipped in cached pages of either list, leaving the others alone', () => {
    const paged = { pages: [{ items: [milk, tea], nextCursor: 'c' }], pageParams: [undefined] };
    expect(withClipped(paged, milk.id, true)).toEqual({
      pages: [{ items: [{ ...milk, clipped: true }, tea], nextCursor: 'c' }],
      pageParams: [undefined],
    });
    const ranked = {
      items: [{ coupon: { ...tea, clipped: true }, score: 5, reasons: [] }],
      nextCursor: null,
    };
    expect(withClipped(ranked, tea.id, false)).toEqual({
      items: [{ coupon: tea, score: 5, reasons: [] }],
      nextCursor: null,
    });
    expect(withClipped(undefined, tea.id, true)).toBeUndefined();
  });

  it('describes every kind of discount', () => {
    expect(describeDiscount(milk)).toBe('$0.50 off');
    expect(describeDiscount(bread)).toBe('20 % off');
    expect(describeDiscount(soap)).toBe('Buy one, get one free');
    expect(describeDiscount(couponOf('04', 'x', { type: 'fixed', amountOffCents: 150 }))).toBe('$1.50 off');
    expect(
      describeDiscount(
        couponOf('05', 'x', { type: 'buy_x_get_y', buyQuantity: 2, getQuantity: 1, getPercentOff: 50 }),
      ),
    ).toBe('Buy 2, get 1 at 50 % off');
    expect(
      describeDiscount(
        couponOf('06', 'x', { type: 'buy_x_get_y', buyQuantity: 3, getQuantity: 1, getPercentOff: null }),
      ),
    ).toBe('Buy 3, get 1 free');
    expect(
      describeDiscount(
        couponOf('07', 'x', { type: 'spend_threshold', amountOffCents: 500, thresholdCents: 2500 }),
      ),
    ).toBe('$5.00 off when you spend $25.00');
  });

  it('shows relevant coupons first, and clipping or unclipping one updates it in place', async () => {
    const clips: string[] = [];
    const clipped = new Set<string>();
    const withClip = (coupon: Coupon) => ({ ...coupon, clipped: clipped.has(coupon.id) });
    const { services } = renderApp('/app/coupons', {
      'GET /alerts': noAlerts,
      'GET /coupons/relevant': () =>
        json(200, {
          items: [
            { coupon: withClip(bread), score: 90, reasons: ['product on your list'] },
            {
              coupon: withClip(milk),
              score: 60,
              reasons: ['product you bought recently', 'a brand you buy'],
            },
          ],
          nextCursor: null,
        }),
      'GET /coupons': () => json(200, { items: [milk, soap, bread].map(withClip), nextCursor: null }),
      [`POST /coupons/${milk.id}/clip`]: () => {
        clips.push('clip');
        clipped.add(milk.id);
        return json(200, withClip(milk));
      },
      [`DELETE /coupons/${milk.id}/clip`]: () => {
        clips.push('unclip');
        clipped.delete(milk.id);
        return new Response(null, { status: 204 });
      },
    });
    services.session.accept(session);
    const person = userEvent.setup();

    const forYou = await screen.findByRole('list', { name: 'Coupons for you' });
    expect(
      within(forYou)
        .getAllByRole('heading')
        .map((heading) => heading.textContent),
    ).toEqual(['Bread 20 % off', 'Milk 50¢ off']);
    expect(
      within(forYou).getByText('Why for you: product you bought recently, a brand you buy'),
    ).toBeTruthy();
    const others = screen.getByRole('list', { name: 'Other coupons valid now' });
    expect(
      within(others)
        .getAllByRole('heading')
        .map((heading) => heading.textContent),
    ).toEqual(['Soap 2 for 1']);
    expect(within(others).getByText('Applies without clipping.')).toBeTruthy();
    expect(within(screen.getByRole('main')).getByRole('status').textContent).toBe('No coupons clipped.');

    await person.click(screen.getByRole('button', { name: 'Clip Milk 50¢ off' }));
    const unclip = await screen.findByRole('button', { name: 'Unclip Milk 50¢ off' });
    expect(within(screen.getByRole('main')).getByRole('status').textContent).toBe('1 clipped.');
    expect(screen.getByRole('button', { name: 'Clip Bread 20 % off' })).toBeTruthy();

    await person.click(unclip);
    expect(await screen.findByRole('button', { name: 'Clip Milk 50¢ off' })).toBeTruthy();
    expect(clips).toEqual(['clip', 'unclip']);
  });

  it('says why a clip was refused', async () => {
    const { services } = renderApp('/app/coupons', {
      'GET /alerts': noAlerts,
      'GET /coupons/relevant': () => json(200, { items: [], nextCursor: null }),
      'GET /coupons': () => json(200, { items: [milk], nextCursor: null }),
      [`POST /coupons/${milk.id}/clip`]: () => apiError(422, 'UNPROCESSABLE', 'the coupon has expired'),
    });
    services.session.accept(session);
    const person = userEvent.setup();
    expect(await screen.findByText(/None yet/)).toBeTruthy();
    await person.click(await screen.findByRole('button', { name: 'Clip Milk 50¢ off' }));
    expect((await screen.findByRole('alert')).textContent).toContain('the coupon has expired');
    expect(screen.getByRole('button', { name: 'Clip Milk 50¢ off' })).toBeTruthy();
  });
});

describe('store accounts', () => {
  const stores = {
    items: [
      { slug: 'fresh-mart', name: 'Fresh Mart', website: null, ingestionMethods: ['text', 'sync'] },
      { slug: 'value-foods', name: 'Value Foods', website: null, ingestionMethods: ['sync'] },
      { slug: 'corner-shop', name: 'Corner Shop', website: null, ingestionMethods: ['text'] },
    ],
    nextCursor: null,
  };
  const freshMart: components['schemas']['SyncAccountStatus'] = {
    storeSlug: 'fresh-mart',
    storeName: 'Fresh Mart',
    accountStatus: 'error',
    state: 'failed',
    jobId: '0190a0b0-0000-7000-8000-0000000000d1',
    lastRunAt: '2026-11-03T10:00:00Z',
    lastSuccessAt: '2026-11-01T10:00:00Z',
    nextRunAt: '2026-11-03T16:00:00Z',
    errorCode: 'NETWORK',
    errorMessage: 'timed out',
    importedCount: 0,
    alreadyKnownCount: 0,
  };
  const job = (state: components['schemas']['SyncJob']['state'], counts = { imported: 0, known: 0 }) => ({
    id: '0190a0b0-0000-7000-8000-0000000000d2',
    storeSlug: 'fresh-mart',
    trigger: 'manual',
    state,
    attempt: state === 'queued' ? 0 : 1,
    maxAttempts: 3,
    runAfter: '2026-11-03T10:05:00Z',
    startedAt: null,
    finishedAt: null,
    errorCode: null,
    errorMessage: null,
    importedCount: counts.imported,
    alreadyKnownCount: counts.known,
    createdAt: '2026-11-03T10:05:00Z',
  });
  const base = {
    'GET /alerts': noAlerts,
    'GET /stores': () => json(200, stores),
    'GET /scraping/status': () => json(200, { items: [freshMart], nextCursor: null }),
  };

  it('words the sync error codes', () => {
    expect(describeSyncFailure('LOGIN_FAILED', null)).toBe('the store refused the sign-in');
    expect(describeSyncFailure('NETWORK', 'timed out')).toBe('the store could not be reached (timed out)');
    expect(describeSyncFailure(null, null)).toBeUndefined();
  });

  it('shows each account’s status and offers only stores that can sync and are not connected', async () => {
    const { services } = renderApp('/app/store-accounts', base);
    services.session.accept(session);
    const card = await screen.findByRole('region', { name: 'Fresh Mart' });
    expect(within(card).getByTestId('account-status').textContent).toBe('Last sync failed');
    expect(within(card).getByText('the store could not be reached (timed out)')).toBeTruthy();
    expect(within(card).getByText('Next sync')).toBeTruthy();
    expect(await screen.findByRole('button', { name: 'Connect Value Foods' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Connect Corner Shop' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Connect Fresh Mart' })).toBeNull();
  });

  it('syncs now and follows the job until it finishes', async () => {
    let polls = 0;
    const { services, seen } = renderApp('/app/store-accounts', {
      ...base,
      'POST /scraping/fresh-mart/sync': () => json(202, job('queued')),
      [`GET /scraping/jobs/${job('queued').id}`]: () => {
        polls++;
        return json(200, job('succeeded', { imported: 2, known: 5 }));
      },
    });
    services.session.accept(session);
    const person = userEvent.setup();
    await person.click(await screen.findByRole('button', { name: 'Sync now Fresh Mart' }));
    expect((await screen.findByTestId('sync-job')).textContent).toMatch(/^Sync queued, starts after /);
    expect(
      await screen.findByText('Sync finished: 2 new receipts, 5 already imported.', undefined, {
        timeout: 4_000,
      }),
    ).toBeTruthy();
    expect(polls).toBeGreaterThanOrEqual(1);
    expect(seen.filter((request) => request.path === '/scraping/fresh-mart/sync')).toHaveLength(1);
  });

  it('asks for the password again when the store refused the saved sign-in (409)', async () => {
    const { services, seen } = renderApp('/app/store-accounts', {
      ...base,
      'POST /scraping/fresh-mart/sync': () =>
        apiError(409, 'CONFLICT', 'fresh-mart refused the stored credentials; connect the store again first'),
      'POST /me/stores/fresh-mart/connect': () => new Response(null, { status: 204 }),
    });
    services.session.accept(session);
    const person = userEvent.setup();
    await person.click(await screen.findByRole('button', { name: 'Sync now Fresh Mart' }));
    expect((await screen.findByRole('alert')).textContent).toContain(
      'Fresh Mart refused your saved sign-in. Connect the store again with your current password.',
    );
    await person.click(screen.getByRole('button', { name: 'Connect Fresh Mart again' }));
    await person.type(screen.getByLabelText('Fresh Mart user name or e-mail'), 'ada@example.com');
    await person.type(screen.getByLabelText('Fresh Mart password'), 'new secret');
    await person.click(screen.getByRole('button', { name: 'Connect Fresh Mart' }));
    expect(await screen.findByRole('button', { name: 'Sync now Fresh Mart' })).toBeTruthy();
    const connect = seen.find((request) => request.path === '/me/stores/fresh-mart/connect');
    expect(JSON.parse(connect?.body ?? '')).toEqual({ username: 'ada@example.com', password: 'new secret' });
  });

  it('points to receipt import when the server cannot sync the store (422)', async () => {
    const { services } = renderApp('/app/store-accounts', {
      ...base,
      'POST /scraping/fresh-mart/sync': () =>
        apiError(422, 'UNPROCESSABLE', 'fresh-mart has no sync adapter on this server'),
    });
    services.session.accept(session);
    const person = userEvent.setup();
    await person.click(await screen.findByRole('button', { name: 'Sync now Fresh Mart' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain(
      'This server cannot sync Fresh Mart yet. Import its receipts instead.',
    );
    expect(within(alert).getByRole('link', { name: 'Import a receipt' }).getAttribute('href')).toBe(
      '/app/import',
    );
  });

  it('connects a store, and says so plainly when the server cannot store credentials (503)', async () => {
    let configured = false;
    const { services, seen } = renderApp('/app/store-accounts', {
      ...base,
      'POST /me/stores/value-foods/connect': () =>
        configured
          ? new Response(null, { status: 204 })
          : apiError(503, 'UPSTREAM_UNAVAILABLE', 'store credential encryption is not configured'),
    });
    services.session.accept(session);
    const person = userEvent.setup();
    await person.click(await screen.findByRole('button', { name: 'Connect Value Foods' }));
    await person.type(screen.getByLabelText('Value Foods user name or e-mail'), 'ada');
    await person.type(screen.getByLabelText('Value Foods password'), 'secret');
    await person.click(screen.getByRole('button', { name: 'Connect Value Foods' }));
    expect((await screen.findByRole('alert')).textContent).toBe(
      'Connecting store accounts is not set up on this server. Import receipts instead.',
    );
    configured = true;
    await person.click(screen.getByRole('button', { name: 'Connect Value Foods' }));
    await screen.findByRole('button', { name: 'Connect Value Foods' }); // the form closed, the opener is back
    expect(screen.queryByLabelText('Value Foods password')).toBeNull();
    expect(seen.filter((request) => request.path === '/me/stores/value-foods/connect')).toHaveLength(2);
  });

  it('disconnects an account', async () => {
    let connected = true;
    const { services } = renderApp('/app/store-accounts', {
      ...base,
      'GET /scraping/status': () => json(200, { items: connected ? [freshMart] : [], nextCursor: null }),
      'DELETE /me/stores/fresh-mart': () => {
        connected = false;
        return new Response(null, { status: 204 });
      },
    });
    services.session.accept(session);
    const person = userEvent.setup();
    await person.click(await screen.findByRole('button', { name: 'Disconnect Fresh Mart' }));
    expect(await screen.findByText('No store connected yet.')).toBeTruthy();
    expect(await screen.findByRole('button', { name: 'Connect Fresh Mart' })).toBeTruthy();
  });
});

describe('shrinkflation', () => {
  const id = '0190a0b0-0000-7000-8000-0000000000e1';
  const productId = '0190a0b0-0000-7000-8000-0000000000e2';
  const event = {
    id,
    kind: 'same-product',
    status: 'detected',
    productId,
    successorProductId: null,
    gtin: '0012345678905',
    successorGtin: null,
    name: 'Crunchy Oat Cereal',
    successorName: null,
    brand: 'Oatly Farms',
    category: 'cereal',
    storeSlug: 'shrink-mart',
    oldSize: { value: 453.592, unit: 'g' },
    newSize: { value: 411.068, unit: 'g' },
    sizeChangePct: -9.375,
    oldPriceCents: 399,
    newPriceCents: 399,
    currency: 'USD',
    unitPriceChangePct: 10.345,
    qualityAdjustedPriceCents: 440,
    qualityAdjustedPriceChangePct: 10.3,
    confidence: 0.86,
    contributors: 1,
    storeSourced: false,
    independent: false,
    factors: [
      { name: 'observations-before', weight: 0.4, score: 1, detail: '3 regular-price observations before' },
    ],
    changedAt: '2026-04-05T17:30:00Z',
    detectedAt: '2026-06-05T17:31:00Z',
    updatedAt: '2026-06-05T17:31:00Z',
    reviewedAt: null,
  };
  const observation = (n: number, month: number, size: number) => ({
    observationId: `0190a0b0-0000-7000-8000-0000000001${n}0`,
    productId,
    storeSlug: 'shrink-mart',
    size: { value: size, unit: 'g' },
    priceCents: 399,
    regularPriceCents: null,
    currency: 'USD',
    isSale: false,
    source: 'receipt',
    observedAt: `2026-0${month}-05T17:30:00Z`,
  });

  it('prices a pack per 100 g or ml, or per item', () => {
    expect(unitPriceCents(399, { value: 453.592, unit: 'g' })).toBeCloseTo(87.96, 2);
    expect(unitPriceCents(600, { value: 6, unit: 'ct' })).toBe(100);
  });

  it('lists detections and opens one with its before/after comparison and evidence', async () => {
    const { services } = renderApp('/app/shrinkflation', {
      'GET /alerts': noAlerts,
      'GET /shrinkflation': () => json(200, { items: [event], nextCursor: null }),
      [`GET /shrinkflation/${id}`]: () =>
        json(200, {
          ...event,
          evidence: {
            before: [observation(1, 2, 453.592), observation(2, 3, 453.592)],
            after: [observation(3, 5, 411.068)],
          },
        }),
    });
    services.session.accept(session);
    const person = userEvent.setup();
    const row = await screen.findByRole('row', { name: /Crunchy Oat Cereal/ });
    expect(row.textContent).toContain('453.6 g → 411.1 g (-9.4 %)');
    expect(row.textContent).toContain('+10.3 %');
    await person.click(within(row).getByRole('link', { name: 'Crunchy Oat Cereal' }));

    const comparison = await screen.findByRole('table', { name: 'Before and after the change' });
    const cells = (name: string) =>
      within(within(comparison).getByRole('row', { name: new RegExp(`^${name}`) }))
        .getAllByRole('cell')
        .map((cell) => cell.textContent);
    expect(cells('Pack size')).toEqual(['453.6 g', '411.1 g', '-9.4 %']);
    expect(cells('Regular price')).toEqual(['$3.99', '$3.99', '0.0 %']);
    expect(cells('Price for the old pack size')).toEqual(['$3.99', '$4.40', '+10.3 %']);
    expect(cells('Unit price')).toEqual(['$0.88', '$0.97', '+10.3 %']);
    expect(screen.getByRole('heading', { name: 'How sure: 86 %' })).toBeTruthy();
    expect(screen.getByText('3 regular-price observations before')).toBeTruthy();
    expect(
      within(screen.getByRole('table', { name: 'Regular prices of the old size' })).getAllByRole('row'),
    ).toHaveLength(3);
    expect(
      within(screen.getByRole('table', { name: 'Regular prices of the new size' })).getAllByRole('row'),
    ).toHaveLength(2);
    expect(screen.getByTestId('shrinkflation-status').textContent).toBe('Detected, not reviewed yet');
  });
});

describe('pairing a smart cart', () => {
  const locationId = '0190a0b0-0000-7000-8000-0000000000f1';
  const pairing = {
    id: '0190a0b0-0000-7000-8000-0000000000f2',
    deviceId: '7a1b2c3d-0000-7000-8000-0000000000f3',
    userId: session.user.id,
    locationId,
    startedAt: '2026-11-03T10:00:00Z',
    lastActivityAt: '2026-11-03T10:00:00Z',
    expiresAt: '2026-11-03T10:30:00Z',
  };
  const locations = () =>
    json(200, {
      items: [
        {
          id: locationId,
          storeSlug: 'cart-mart',
          name: 'Cart Mart Downtown',
          addressLine: null,
          city: null,
          region: null,
          postalCode: null,
          currency: 'USD',
          createdAt: '2026-11-01T00:00:00Z',
        },
      ],
      nextCursor: null,
    });

  it('explains a wrong code, then pairs with the right one and shows the cart', async () => {
    const { services, seen } = renderApp('/app/pair-cart', {
      'GET /alerts': noAlerts,
      'GET /catalog/locations': locations,
      'GET /devices/session': () => apiError(404, 'NOT_FOUND', 'pairing session not found'),
      'POST /devices/pair': async (request) => {
        const { code } = (await request.json()) as { code: string };
        return code === 'ABCD-2345'
          ? json(201, pairing)
          : apiError(404, 'NOT_FOUND', 'pairing code not found, used or expired');
      },
    });
    services.session.accept(session);
    const person = userEvent.setup();
    const field = await screen.findByLabelText('Code shown on the cart');
    await person.type(field, 'WRONG123');
    await person.click(screen.getByRole('button', { name: 'Pair' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/^No cart shows that code/);

    await person.clear(field);
    await person.type(field, 'ABCD-2345');
    await person.click(screen.getByRole('button', { name: 'Pair' }));
    await screen.findByText(/ at Cart Mart Downtown: /);
    expect(screen.getByTestId('paired-cart').textContent).toContain('Cart 7a1b2c3d at Cart Mart Downtown');
    expect(screen.getByRole('link', { name: 'Open that cart' }).getAttribute('href')).toBe(
      `/app/shop/${locationId}/cart`,
    );
    expect(screen.getByText('Paired with the cart.')).toBeTruthy();
    const sent = seen.filter((request) => request.path === '/devices/pair').map((r) => JSON.parse(r.body));
    expect(sent).toEqual([{ code: 'WRONG123' }, { code: 'ABCD-2345' }]);
  });

  it('says when the cart is taken or there were too many tries', async () => {
    let answer = apiError(409, 'CONFLICT', 'the cart is already paired');
    const { services } = renderApp('/app/pair-cart', {
      'GET /alerts': noAlerts,
      'GET /devices/session': () => apiError(404, 'NOT_FOUND', 'pairing session not found'),
      'POST /devices/pair': () => answer,
    });
    services.session.accept(session);
    const person = userEvent.setup();
    await person.type(await screen.findByLabelText('Code shown on the cart'), 'ABCD2345');
    await person.click(screen.getByRole('button', { name: 'Pair' }));
    expect((await screen.findByRole('alert')).textContent).toBe(
      'Could not pair: the cart is already paired.',
    );
    answer = apiError(429, 'RATE_LIMITED', 'too many requests');
    await person.click(screen.getByRole('button', { name: 'Pair' }));
    expect(await screen.findByText('Too many tries. Wait a minute, then try again.')).toBeTruthy();
  });

  it('shows a pairing made elsewhere when device.paired arrives live, and unpairs', async () => {
    let paired = false;
    let push: (text: string) => void = () => {};
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        push = (text) => controller.enqueue(new TextEncoder().encode(text));
      },
    });
    const { services } = renderApp('/app/pair-cart', {
      'GET /alerts': noAlerts,
      'GET /catalog/locations': locations,
      'GET /me/events': () => new Response(stream, { headers: { 'content-type': 'text/event-stream' } }),
      'GET /devices/session': () =>
        paired ? json(200, pairing) : apiError(404, 'NOT_FOUND', 'pairing session not found'),
      'DELETE /devices/session': () => {
        paired = false;
        return new Response(null, { status: 204 });
      },
    });
    services.session.accept(session);
    expect(await screen.findByLabelText('Code shown on the cart')).toBeTruthy();
    paired = true;
    push(
      `id: 9\nevent: device.paired\ndata: ${JSON.stringify({ data: { deviceId: pairing.deviceId, userId: session.user.id, locationId, sessionId: pairing.id } })}\n\n`,
    );
    expect(await screen.findByText(/ at Cart Mart Downtown: /)).toBeTruthy();
    const person = userEvent.setup();
    await person.click(screen.getByRole('button', { name: 'Unpair' }));
    expect(await screen.findByLabelText('Code shown on the cart')).toBeTruthy();
  });
});

describe('products screen', () => {
  const product = (id: string, name: string): components['schemas']['Product'] => ({
    id: `0190a0b0-0000-7000-8000-0000000000${id}`,
    name,
    brand: 'Fage',
    category: 'dairy',
    size: { value: 907, unit: 'g' },
    gtins: [],
    mergedIntoId: null,
    createdAt: '2026-11-01T00:00:00Z',
  });

  it('lists the shopper’s own products before any search, then the search results', async () => {
    const { seen } = renderApp(
      '/app/products',
      {
        'GET /products': (request) => {
          const query = new URL(request.url).searchParams;
          return json(200, {
            items:
              query.get('mine') === 'true'
                ? [product('b1', 'Greek Yogurt Plain')]
                : [product('b2', 'Oat Cereal')],
            nextCursor: null,
          });
        },
      },
      'user',
    );
    const mine = await screen.findByRole('region', { name: 'Your products' });
    expect(await within(mine).findByRole('link', { name: 'Greek Yogurt Plain' })).toBeTruthy();
    expect(seen.find((request) => request.path === '/products')?.query.get('mine')).toBe('true');

    const person = userEvent.setup();
    await person.type(screen.getByLabelText('Search products'), 'cerael');
    await person.click(screen.getByRole('button', { name: 'Search' }));
    expect(await screen.findByRole('link', { name: 'Oat Cereal' })).toBeTruthy();
    expect(screen.queryByRole('region', { name: 'Your products' })).toBeNull();
    expect(seen.some((request) => request.path === '/products' && request.query.get('q') === 'cerael')).toBe(
      true,
    );
  });
});
