/** The admin screens over a fake gateway: who gets in, and what each screen sends and shows. */
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { components } from '../src/api/schema';
import { stockAdjustment } from '../src/screens/admin/catalog';
import { type CouponDraft, couponRequest, emptyCouponDraft } from '../src/screens/admin/coupons';
import { draftFromLayout, layoutRequest, newAisle, starterDraft } from '../src/screens/admin/layouts';
import { json, type Route, renderApp, validationFailed } from './fake-gateway';

/** The app signed in as an admin (or, to see the refusal, a shopper). */
const renderAdminApp = (path: string, routes: Record<string, Route>, role: 'user' | 'admin' = 'admin') =>
  renderApp(path, routes, role);

type Coupon = components['schemas']['Coupon'];
type CatalogItem = components['schemas']['CatalogItem'];
type Device = components['schemas']['Device'];
type Detection = components['schemas']['Shrinkflation'];

const locationId = '0190a0b0-0000-7000-8000-0000000000b1';
const location = {
  id: locationId,
  storeSlug: 'fresh-mart',
  name: 'Fresh Mart Downtown',
  currency: 'USD',
  createdAt: '2026-11-01T00:00:00Z',
};
const locations = () => json(200, { items: [location], nextCursor: null });
const stores = () =>
  json(200, {
    items: [{ slug: 'fresh-mart', name: 'Fresh Mart', website: null, ingestionMethods: ['text'] }],
    nextCursor: null,
  });

describe('the admin area', () => {
  it('shows a shopper no admin link and a plain refusal at /app/admin, without calling admin APIs', async () => {
    const { seen } = renderAdminApp('/app/admin', {}, 'user');
    expect(await screen.findByRole('heading', { name: 'Admins only' })).toBeTruthy();
    expect(screen.getByRole('alert').textContent).toContain('Your account has no admin rights');
    const nav = screen.getByRole('navigation', { name: 'Main' });
    expect(within(nav).queryByRole('link', { name: 'Admin' })).toBeNull();
    expect(screen.queryByRole('navigation', { name: 'Admin' })).toBeNull();
    expect(seen.filter((r) => r.path !== '/alerts' && r.path !== '/me/events')).toEqual([]);
  });

  it('refuses a shopper on an admin screen too', async () => {
    const { seen } = renderAdminApp('/app/admin/devices', {}, 'user');
    expect(await screen.findByRole('heading', { name: 'Admins only' })).toBeTruthy();
    expect(seen.some((r) => r.path === '/devices')).toBe(false);
  });

  it('gives an admin the Admin nav link and a landing page linking every admin screen', async () => {
    renderAdminApp('/app/admin', {});
    expect(await screen.findByRole('heading', { name: 'Admin', level: 1 })).toBeTruthy();
    const nav = screen.getByRole('navigation', { name: 'Main' });
    expect(within(nav).getByRole('link', { name: 'Admin' }).getAttribute('href')).toBe('/app/admin');
    const page = screen.getByRole('region', { name: 'Admin' });
    const links = within(page)
      .getAllByRole('link')
      .map((link) => link.getAttribute('href'));
    expect(links).toEqual([
      '/app/admin/orders',
      '/app/admin/coupons',
      '/app/admin/catalog',
      '/app/admin/devices',
      '/app/admin/layouts',
      '/app/admin/shrinkflation',
      '/app/admin/moderation',
      '/app/admin/products',
    ]);
  });
});

function coupon(overrides: Partial<Coupon> = {}): Coupon {
  return {
    id: '0190a0b0-0000-7000-8000-000000000c01',
    externalId: null,
    storeSlug: null,
    scope: { kind: 'category', productId: null, brand: null, category: 'dairy' },
    type: 'percent',
    percentOff: 20,
    amountOffCents: null,
    buyQuantity: null,
    getQuantity: null,
    getPercentOff: null,
    thresholdCents: null,
    minQuantity: 1,
    minPurchaseCents: null,
    currency: 'USD',
    validFrom: '2026-11-01T00:00:00.000Z',
    validTo: null,
    requiresClip: false,
    code: null,
    sourceUrl: null,
    title: 'Dairy 20 % off',
    description: null,
    clipped: false,
    createdAt: '2026-11-01T00:00:00.000Z',
    updatedAt: '2026-11-01T00:00:00.000Z',
    ...overrides,
  };
}

describe('coupons', () => {
  const draft = (overrides: Partial<CouponDraft>): CouponDraft => ({
    ...emptyCouponDraft(new Date('2026-11-05T09:30:00')),
    title: 'Deal',
    ...overrides,
  });

  it('sends only the numbers the deal type uses, money in cents, local times as instants', () => {
    const request = couponRequest(
      draft({
        type: 'spend_threshold',
        scopeKind: 'store',
        threshold: '50',
        amountOff: '5.5',
        percentOff: '30',
        storeSlug: 'fresh-mart',
        validTo: '2026-11-30T23:59',
        requiresClip: true,
      }),
    );
    expect(request.problems).toBeUndefined();
    expect('body' in request && request.body).toEqual({
      title: 'Deal',
      type: 'spend_threshold',
      scope: { kind: 'store' },
      storeSlug: 'fresh-mart',
      thresholdCents: 5000,
      amountOffCents: 550,
      minQuantity: 1,
      currency: 'USD',
      validFrom: new Date('2026-11-05T09:30').toISOString(),
      validTo: new Date('2026-11-30T23:59').toISOString(),
      requiresClip: true,
    });
  });

  it('leaves out what is not typed yet and keeps the scope chosen, for the API to answer', () => {
    const request = couponRequest(
      draft({ type: 'buy_x_get_y', buyQuantity: '2', percentOff: '30', scopeKind: 'brand', brand: ' ' }),
    );
    expect('body' in request && request.body).toStrictEqual({
      title: 'Deal',
      type: 'buy_x_get_y',
      buyQuantity: 2,
      scope: { kind: 'brand' },
      storeSlug: null,
      minQuantity: 1,
      currency: 'USD',
      validFrom: new Date('2026-11-05T09:30').toISOString(),
      requiresClip: false,
    });
    expect(couponRequest(draft({ type: 'percent', percentOff: '10', scopeKind: 'store' }))).toMatchObject({
      body: { type: 'percent', percentOff: 10, scope: { kind: 'store' } },
    });
  });

  it('reports text that is not a number under the request path, before asking the API', () => {
    expect(couponRequest(draft({ type: 'percent', percentOff: 'lots' }))).toEqual({
      problems: { percentOff: 'Write a whole number.' },
    });
    expect(couponRequest(draft({ type: 'fixed', amountOff: '1,234.5' }))).toEqual({
      problems: { amountOffCents: 'Write an amount like 3.50.' },
    });
  });

  it('shows the API’s validation issues beside their fields, then publishes and lists the coupon', async () => {
    const published: Coupon[] = [];
    const { sent } = renderAdminApp('/app/admin/coupons', {
      'GET /stores': stores,
      'GET /coupons': () => json(200, { items: published, nextCursor: null }),
      'POST /coupons': async (request) => {
        const body = (await request.json()) as Record<string, unknown>;
        if (body.percentOff === undefined)
          return validationFailed([
            { path: 'percentOff', message: 'required for a percent coupon' },
            { path: 'scope.category', message: 'required for a category scope' },
          ]);
        const created = coupon({ title: String(body.title), percentOff: Number(body.percentOff) });
        published.push(created);
        return json(201, created);
      },
    });
    const person = userEvent.setup();
    await person.type(await screen.findByLabelText('Title'), 'Dairy 20 % off');
    await person.click(screen.getByRole('button', { name: 'Publish coupon' }));

    const percent = screen.getByLabelText('Percent off');
    await waitFor(() => expect(percent.getAttribute('aria-invalid')).toBe('true'));
    const describedBy = percent.getAttribute('aria-describedby') ?? '';
    expect(document.getElementById(describedBy)?.textContent).toBe('required for a percent coupon');
    expect(screen.getByLabelText('Category').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByRole('alert').textContent).toContain('Fix the 2 fields marked in the form.');

    await person.type(percent, '20');
    await person.type(screen.getByLabelText('Category'), 'dairy');
    await person.click(screen.getByRole('button', { name: 'Publish coupon' }));
    expect(await screen.findByText('Published “Dairy 20 % off”.')).toBeTruthy();
    const posts = sent('POST', '/coupons');
    expect(posts).toHaveLength(2);
    expect(posts[1]).toMatchObject({
      title: 'Dairy 20 % off',
      type: 'percent',
      percentOff: 20,
      scope: { kind: 'category', category: 'dairy' },
      storeSlug: null,
      currency: 'USD',
    });
    const row = await screen.findByRole('row', { name: /Dairy 20 % off/ });
    expect(row.textContent).toContain('Category dairy');
    expect((screen.getByLabelText('Title') as HTMLInputElement).value).toBe('');
  });

  it('pages through coupons with “Show more” and filters them by store', async () => {
    const { seen } = renderAdminApp('/app/admin/coupons', {
      'GET /stores': stores,
      'GET /coupons': (request) => {
        const query = new URL(request.url).searchParams;
        if (query.get('store') === 'fresh-mart')
          return json(200, {
            items: [
              coupon({
                id: '0190a0b0-0000-7000-8000-000000000c09',
                title: 'Fresh only',
                storeSlug: 'fresh-mart',
              }),
            ],
            nextCursor: null,
          });
        if (query.get('cursor') === 'page-2')
          return json(200, {
            items: [coupon({ id: '0190a0b0-0000-7000-8000-000000000c02', title: 'Newest' })],
            nextCursor: null,
          });
        return json(200, { items: [coupon()], nextCursor: 'page-2' });
      },
    });
    const person = userEvent.setup();
    await screen.findByRole('row', { name: /Dairy 20 % off/ });
    expect(screen.queryByRole('row', { name: /Newest/ })).toBeNull();
    await person.click(screen.getByRole('button', { name: 'Show more' }));
    await screen.findByRole('row', { name: /Newest/ });
    expect(screen.getByRole('row', { name: /Dairy 20 % off/ })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Show more' })).toBeNull();

    const validAt = screen.getByLabelText('Valid at');
    await within(validAt).findByRole('option', { name: 'Fresh Mart' });
    await person.selectOptions(validAt, 'fresh-mart');
    await screen.findByRole('row', { name: /Fresh only/ });
    expect(screen.queryByRole('row', { name: /Newest/ })).toBeNull();
    const queries = seen.filter((r) => r.path === '/coupons').map((r) => r.query.toString());
    expect(queries).toEqual(['limit=50', 'limit=50&cursor=page-2', 'limit=50&store=fresh-mart']);
  });

  it('deletes a coupon only after the admin confirms', async () => {
    let items = [coupon()];
    const { seen } = renderAdminApp('/app/admin/coupons', {
      'GET /stores': stores,
      'GET /coupons': () => json(200, { items, nextCursor: null }),
      [`DELETE /coupons/${coupon().id}`]: () => {
        items = [];
        return new Response(null, { status: 204 });
      },
    });
    const person = userEvent.setup();
    await person.click(await screen.findByRole('button', { name: 'Delete Dairy 20 % off' }));
    expect(seen.some((r) => r.method === 'DELETE')).toBe(false);
    await person.click(screen.getByRole('button', { name: 'Yes, delete Dairy 20 % off' }));
    expect(await screen.findByText('Nothing here yet.')).toBeTruthy();
    expect(seen.filter((r) => r.method === 'DELETE').map((r) => r.path)).toEqual([`/coupons/${coupon().id}`]);
  });
});

function catalogItem(overrides: Partial<CatalogItem> = {}): CatalogItem {
  return {
    id: '0190a0b0-0000-7000-8000-0000000000d1',
    locationId,
    productId: '0190a0b0-0000-7000-8000-0000000000d2',
    gtin: '00012345678905',
    name: 'Oat Milk',
    brand: null,
    priceCents: 399,
    currency: 'USD',
    onHand: 12,
    reserved: 2,
    available: 10,
    active: true,
    deletedAt: null,
    updatedAt: '2026-11-01T00:00:00Z',
    ...overrides,
  };
}

describe('catalog and stock', () => {
  it('turns a counted number of units into the adjustment, refusing no-ops and non-numbers', () => {
    expect(stockAdjustment(12, '20')).toEqual({ delta: 8 });
    expect(stockAdjustment(12, ' 3 ')).toEqual({ delta: -9 });
    expect(stockAdjustment(12, '12')).toEqual({ problem: 'There are already 12 units on hand.' });
    expect(stockAdjustment(12, '-1')).toEqual({ problem: 'Write the number of units on hand, like 24.' });
  });

  it('adds an item by GTIN to the chosen location, then sets its stock and price', async () => {
    let item: CatalogItem | undefined;
    const { sent, seen } = renderAdminApp(`/app/admin/catalog?location=${locationId}`, {
      'GET /catalog/locations': locations,
      'GET /stores': stores,
      'GET /catalog': () => json(200, { items: item ? [item] : [], nextCursor: null }),
      'POST /catalog/items': async (request) => {
        const body = (await request.json()) as { name: string; priceCents: number; onHand: number };
        item = catalogItem({
          name: body.name,
          priceCents: body.priceCents,
          onHand: body.onHand,
          reserved: 0,
        });
        return json(201, item);
      },
      [`POST /inventory/items/${catalogItem().id}/adjustments`]: async (request) => {
        const { delta } = (await request.json()) as { delta: number };
        if (!item) throw new Error('no item');
        item = { ...item, onHand: item.onHand + delta, available: item.onHand + delta };
        return json(200, item);
      },
      [`PATCH /catalog/items/${catalogItem().id}`]: async (request) => {
        const { priceCents } = (await request.json()) as { priceCents: number };
        if (!item) throw new Error('no item');
        item = { ...item, priceCents };
        return json(200, item);
      },
    });
    const person = userEvent.setup();
    await person.type(await screen.findByLabelText('GTIN'), '0012345678905');
    await person.type(screen.getByLabelText('Name'), 'Oat Milk');
    await person.type(screen.getByLabelText('Price'), '3.99');
    await person.clear(screen.getByLabelText('Units on hand'));
    await person.type(screen.getByLabelText('Units on hand'), '12');
    await person.click(screen.getByRole('button', { name: 'Add item' }));
    expect(await screen.findByText('Added Oat Milk.')).toBeTruthy();
    expect(sent('POST', '/catalog/items')).toEqual([
      { locationId, gtin: '0012345678905', name: 'Oat Milk', priceCents: 399, onHand: 12, active: true },
    ]);
    const catalogQuery = seen.find((r) => r.path === '/catalog')?.query;
    expect(catalogQuery?.get('location')).toBe(locationId);
    expect(catalogQuery?.get('includeDeleted')).toBe('true');

    await person.click(await screen.findByRole('button', { name: 'Edit Oat Milk' }));
    const editor = screen.getByRole('region', { name: 'Edit Oat Milk' });
    const units = within(editor).getByLabelText('Units on hand');
    await person.clear(units);
    await person.type(units, '20');
    await person.click(within(editor).getByRole('button', { name: 'Save stock' }));
    expect(await within(editor).findByText('Saved: 20 units on hand, 20 available.')).toBeTruthy();
    expect(sent('POST', `/inventory/items/${catalogItem().id}/adjustments`)).toEqual([
      { delta: 8, reason: 'Stock count' },
    ]);

    const price = within(editor).getByLabelText('New price');
    await person.clear(price);
    await person.type(price, '4.49');
    await person.click(within(editor).getByRole('button', { name: 'Save price' }));
    expect(await within(editor).findByText('Saved: $4.49, on sale.')).toBeTruthy();
    expect(sent('PATCH', `/catalog/items/${catalogItem().id}`)).toEqual([{ priceCents: 449 }]);
    expect(await screen.findByRole('cell', { name: '$4.49' })).toBeTruthy();
  });

  it('asks for a location before showing a catalog', async () => {
    const { seen } = renderAdminApp('/app/admin/catalog', {
      'GET /catalog/locations': locations,
      'GET /stores': stores,
    });
    expect(await screen.findByText('Choose a store location to see and change what it sells.')).toBeTruthy();
    await screen.findByRole('option', { name: 'Fresh Mart Downtown (fresh-mart)' });
    expect(seen.some((r) => r.path === '/catalog')).toBe(false);
  });
});

function device(overrides: Partial<Device> = {}): Device {
  return {
    id: '0190a0b0-0000-7000-8000-0000000000e1',
    locationId,
    name: 'Cart 17',
    firmwareVersion: null,
    lastSeenAt: null,
    revokedAt: null,
    createdAt: '2026-11-01T00:00:00Z',
    pairedUserId: null,
    ...overrides,
  };
}

describe('devices', () => {
  it('shows a registered cart’s key once with a copy button, rotates it, and revokes the cart after confirming', async () => {
    let devices: Device[] = [];
    const { sent } = renderAdminApp(`/app/admin/devices?location=${locationId}`, {
      'GET /catalog/locations': locations,
      'GET /devices': () => json(200, { items: devices, nextCursor: null }),
      'POST /devices': async (request) => {
        const body = (await request.json()) as { name: string };
        devices = [device({ name: body.name })];
        return json(201, {
          device: devices[0],
          key: {
            keyId: '0190a0b0-0000-7000-8000-0000000000e2',
            key: 'cwd_first_secret',
            createdAt: '2026-11-05T00:00:00Z',
          },
        });
      },
      [`POST /devices/${device().id}/rotate-key`]: () =>
        json(201, {
          key: {
            keyId: '0190a0b0-0000-7000-8000-0000000000e3',
            key: 'cwd_second_secret',
            createdAt: '2026-11-05T00:00:00Z',
          },
          previousKeysExpireAt: '2026-11-05T01:00:00Z',
        }),
      [`POST /devices/${device().id}/revoke`]: () => {
        devices = [device({ revokedAt: '2026-11-05T02:00:00Z' })];
        return json(200, devices[0]);
      },
    });
    const person = userEvent.setup(); // also gives navigator a clipboard to read back
    await person.type(await screen.findByLabelText('New cart name'), 'Cart 17');
    await person.click(screen.getByRole('button', { name: 'Register cart' }));

    const panel = await screen.findByRole('region', { name: 'Key for Cart 17' });
    expect(within(panel).getByTestId('device-key').textContent).toBe('cwd_first_secret');
    expect(panel.textContent).toContain("it won't be shown again");
    await person.click(within(panel).getByRole('button', { name: 'Copy key' }));
    expect(await navigator.clipboard.readText()).toBe('cwd_first_secret');
    expect(within(panel).getByRole('status').textContent).toContain('Copied');
    expect(sent('POST', '/devices')).toEqual([{ locationId, name: 'Cart 17' }]);

    await person.click(await screen.findByRole('button', { name: 'Rotate key of Cart 17' }));
    await person.selectOptions(screen.getByLabelText('Old key of Cart 17 keeps working for'), '3600');
    await person.click(screen.getByRole('button', { name: 'Issue new key for Cart 17' }));
    const rotated = await screen.findByRole('region', { name: 'New key for Cart 17' });
    expect(within(rotated).getByTestId('device-key').textContent).toBe('cwd_second_secret');
    expect(screen.queryByText('cwd_first_secret')).toBeNull();
    expect(sent('POST', `/devices/${device().id}/rotate-key`)).toEqual([{ graceSeconds: 3600 }]);

    await person.click(screen.getByRole('button', { name: 'I have stored the key: hide it' }));
    expect(screen.queryByTestId('device-key')).toBeNull();

    await person.click(screen.getByRole('button', { name: 'Revoke Cart 17' }));
    expect(sent('POST', `/devices/${device().id}/revoke`)).toEqual([]);
    await person.click(screen.getByRole('button', { name: 'Yes, revoke Cart 17' }));
    await waitFor(() => expect(screen.getByTestId('device-status').textContent).toMatch(/^Revoked /));
    expect(screen.queryByRole('button', { name: 'Rotate key of Cart 17' })).toBeNull();
  });
});

describe('store layouts', () => {
  it('builds the PUT body from the tables: ids for keys, straight-line distances for empty ones', () => {
    const draft = starterDraft();
    const aisle = newAisle(draft.nodes);
    expect(aisle).toMatchObject({ id: 'aisle-1', key: 'n2' });
    draft.nodes.push({ ...aisle, x: '3', y: '4', label: 'Dairy' });
    draft.edges.push(
      { from: 'n0', to: aisle.key, distance: '' },
      { from: aisle.key, to: 'n1', distance: '7.5' },
    );
    draft.placements.push({ nodeKey: aisle.key, category: 'dairy' });
    const request = layoutRequest(draft);
    expect('body' in request && request.body).toEqual({
      nodes: [
        { id: 'entrance', kind: 'entrance', x: 0, y: 0, label: 'Entrance' },
        { id: 'checkout', kind: 'checkout', x: 10, y: 0, label: 'Checkout' },
        { id: 'aisle-1', kind: 'aisle', x: 3, y: 4, label: 'Dairy' },
      ],
      edges: [
        { from: 'entrance', to: 'checkout', distance: 10 },
        { from: 'entrance', to: 'aisle-1', distance: 5 },
        { from: 'aisle-1', to: 'checkout', distance: 7.5 },
      ],
      placements: [{ nodeId: 'aisle-1', category: 'dairy' }],
    });
  });

  it('keeps walkways and placements on a point when its id is renamed, and reports bad numbers per cell', () => {
    const draft = draftFromLayout({
      locationId,
      version: 3,
      nodes: [
        { id: 'in', kind: 'entrance', x: 0, y: 0 },
        { id: 'a1', kind: 'aisle', x: 0, y: 5 },
        { id: 'out', kind: 'checkout', x: 5, y: 5 },
      ],
      edges: [
        { from: 'in', to: 'a1', distance: 5 },
        { from: 'a1', to: 'out', distance: 5 },
      ],
      placements: [{ nodeId: 'a1', productId: '0190a0b0-0000-7000-8000-0000000000f1' }],
      updatedAt: '2026-11-01T00:00:00Z',
    });
    const renamed = { ...draft, nodes: draft.nodes.map((n) => (n.id === 'a1' ? { ...n, id: 'bakery' } : n)) };
    const request = layoutRequest(renamed);
    expect('body' in request && request.body.edges.map((e) => `${e.from}-${e.to}`)).toEqual([
      'in-bakery',
      'bakery-out',
    ]);
    expect('body' in request && request.body.placements).toEqual([
      { nodeId: 'bakery', productId: '0190a0b0-0000-7000-8000-0000000000f1' },
    ]);
    const broken = { ...draft, nodes: draft.nodes.map((n, i) => (i === 2 ? { ...n, x: 'five' } : n)) };
    expect(layoutRequest(broken)).toEqual({
      problems: { 'nodes.2.x': 'Write a number of metres, like 12.5.' },
    });
  });

  it('starts a new layout where there is none, shows the server’s issues on their cells, and saves', async () => {
    let attempts = 0;
    const { sent } = renderAdminApp(`/app/admin/layouts?location=${locationId}`, {
      'GET /catalog/locations': locations,
      [`PUT /store-layouts/${locationId}`]: async (request) => {
        attempts += 1;
        const body = (await request.json()) as components['schemas']['StoreLayoutInput'];
        if (attempts === 1)
          return validationFailed([{ path: 'nodes.2.id', message: 'duplicate node id entrance' }]);
        return json(200, { ...body, locationId, version: 1, updatedAt: '2026-11-05T10:00:00Z' });
      },
    });
    const person = userEvent.setup();
    expect(await screen.findByText(/This location has no layout yet/)).toBeTruthy();
    expect((screen.getByLabelText('Point 1 id') as HTMLInputElement).value).toBe('entrance');
    await person.click(screen.getByRole('button', { name: 'Add aisle' }));
    await person.clear(screen.getByLabelText('Point 3 metres north'));
    await person.type(screen.getByLabelText('Point 3 metres north'), '6');
    await person.type(screen.getByLabelText('Category'), 'bread');
    await person.click(screen.getByRole('button', { name: 'Add category' }));
    expect(screen.getByText('Category: bread')).toBeTruthy();

    await person.click(screen.getByRole('button', { name: 'Save layout' }));
    const cell = screen.getByLabelText('Point 3 id');
    await waitFor(() => expect(cell.getAttribute('aria-invalid')).toBe('true'));
    expect(document.getElementById(cell.getAttribute('aria-describedby') ?? '')?.textContent).toBe(
      'duplicate node id entrance',
    );

    await person.click(screen.getByRole('button', { name: 'Save layout' }));
    expect(await screen.findByText('Saved version 1.')).toBeTruthy();
    expect(sent('PUT', `/store-layouts/${locationId}`)[1]).toEqual({
      nodes: [
        { id: 'entrance', kind: 'entrance', x: 0, y: 0, label: 'Entrance' },
        { id: 'checkout', kind: 'checkout', x: 10, y: 0, label: 'Checkout' },
        { id: 'aisle-1', kind: 'aisle', x: 0, y: 6 },
      ],
      edges: [
        { from: 'entrance', to: 'checkout', distance: 10 },
        { from: 'checkout', to: 'aisle-1', distance: 11.7 },
      ],
      placements: [{ nodeId: 'aisle-1', category: 'bread' }],
    });
    expect(screen.getByText(/^Version 1, saved/)).toBeTruthy();
  });
});

function detection(overrides: Partial<Detection> = {}): Detection {
  return {
    id: '0190a0b0-0000-7000-8000-0000000000a1',
    kind: 'same-product',
    status: 'detected',
    productId: '0190a0b0-0000-7000-8000-0000000000a2',
    successorProductId: null,
    gtin: '00012345678905',
    successorGtin: null,
    name: 'Crunchy Oat Cereal',
    successorName: null,
    brand: 'Oatly Farms',
    category: 'cereal',
    storeSlug: 'fresh-mart',
    oldSize: { value: 453.592, unit: 'g' },
    newSize: { value: 411.068, unit: 'g' },
    sizeChangePct: -9.4,
    oldPriceCents: 399,
    newPriceCents: 399,
    currency: 'USD',
    unitPriceChangePct: 10.3,
    qualityAdjustedPriceCents: 440,
    qualityAdjustedPriceChangePct: 10.3,
    confidence: 0.87,
    contributors: 1,
    storeSourced: false,
    independent: false,
    factors: [
      { name: 'observations-before', weight: 0.3, score: 1, detail: '3 regular-price observations before' },
    ],
    changedAt: '2026-04-05T17:30:00Z',
    detectedAt: '2026-06-05T17:31:00Z',
    updatedAt: '2026-06-05T17:31:00Z',
    reviewedAt: null,
    ...overrides,
  };
}

describe('shrinkflation review', () => {
  it('lists detections waiting for review, confirms one with a note, and it leaves the queue', async () => {
    let status: Detection['status'] = 'detected';
    const { sent, seen } = renderAdminApp('/app/admin/shrinkflation', {
      'GET /shrinkflation': (request) => {
        const wanted = new URL(request.url).searchParams.get('status');
        const reviewedAt = status === 'detected' ? null : '2026-06-06T09:00:00Z';
        return json(200, {
          items: wanted === status ? [detection({ status, reviewedAt })] : [],
          nextCursor: null,
        });
      },
      [`GET /shrinkflation/${detection().id}`]: () =>
        json(200, {
          ...detection(),
          evidence: {
            before: [
              {
                observationId: '0190a0b0-0000-7000-8000-0000000000a3',
                productId: detection().productId,
                storeSlug: 'fresh-mart',
                size: { value: 453.592, unit: 'g' },
                priceCents: 399,
                regularPriceCents: null,
                currency: 'USD',
                isSale: false,
                source: 'receipt',
                observedAt: '2026-01-05T17:30:00Z',
              },
            ],
            after: [],
          },
        }),
      [`POST /shrinkflation/${detection().id}/confirm`]: () => {
        status = 'confirmed';
        return json(200, detection({ status, reviewedAt: '2026-06-06T09:00:00Z' }));
      },
    });
    const person = userEvent.setup();
    const card = await screen.findByRole('article', { name: /Crunchy Oat Cereal/ });
    expect(card.textContent).toContain('+10.3 %');
    expect(card.textContent).toContain('Confidence 87 %');
    expect(seen.find((r) => r.path === '/shrinkflation')?.query.get('status')).toBe('detected');

    await person.click(within(card).getByRole('button', { name: 'Show evidence' }));
    const before = await within(card).findByRole('table', { name: 'Before (old size, regular prices)' });
    expect(within(before).getByRole('cell', { name: '$3.99' })).toBeTruthy();

    await person.type(within(card).getByLabelText('Review note (optional)'), 'Checked the shelf');
    await person.click(within(card).getByRole('button', { name: 'Confirm Crunchy Oat Cereal' }));
    expect(await screen.findByText('Confirmed: Crunchy Oat Cereal at fresh-mart.')).toBeTruthy();
    expect(sent('POST', `/shrinkflation/${detection().id}/confirm`)).toEqual([{ note: 'Checked the shelf' }]);
    expect(await screen.findByText('Nothing here yet.')).toBeTruthy();

    await person.selectOptions(screen.getByLabelText('Show'), 'confirmed');
    const confirmed = await screen.findByRole('article', { name: /Crunchy Oat Cereal/ });
    expect(within(confirmed).getByTestId('review-status').textContent).toMatch(/^Confirmed /);
    expect(within(confirmed).queryByRole('button', { name: /^Confirm/ })).toBeNull();
    expect(within(confirmed).getByRole('button', { name: 'Reject Crunchy Oat Cereal' })).toBeTruthy();
  });
});

const cereal = {
  id: '0190a0b0-0000-7000-8000-0000000000d1',
  name: 'Crunchy Oat Cereal',
  brand: 'Mill',
  category: 'dairy',
  size: { value: 500, unit: 'g' as const },
  gtins: ['00000000211595'],
  mergedIntoId: null,
  createdAt: '2026-11-01T00:00:00Z',
};
const cerealToo = {
  ...cereal,
  id: '0190a0b0-0000-7000-8000-0000000000d2',
  name: 'Crunchy Oat Cereal Original',
  gtins: ['00000000211663'],
};

describe('moderation', () => {
  it('lists suspicious prices, shrinkflation claims and duplicates; merges one pair and dismisses another', async () => {
    let candidates = [
      { reason: 'similar-name', similarity: 0.72, products: [cereal, cerealToo] },
      {
        reason: 'gtin-family',
        similarity: null,
        products: [
          {
            ...cereal,
            id: '0190a0b0-0000-7000-8000-0000000000d3',
            name: 'Oat Bites',
            gtins: ['00012345678905'],
          },
          {
            ...cereal,
            id: '0190a0b0-0000-7000-8000-0000000000d4',
            name: 'Oat Bites 12 pack',
            gtins: ['10012345678902'],
          },
        ],
      },
    ];
    const { sent } = renderAdminApp('/app/admin/moderation', {
      'GET /prices/moderation': () =>
        json(200, {
          items: [
            {
              observationId: '0190a0b0-0000-7000-8000-0000000000e1',
              productId: cereal.id,
              name: 'Bananas',
              storeSlug: 'fresh-mart',
              priceCents: 1,
              currency: 'USD',
              sharedPriceCents: 69,
              deviationPct: -98.55,
              contributorId: '0190a0b0-0000-7000-8000-0000000000e2',
              observedAt: '2026-12-01T10:00:00Z',
            },
          ],
        }),
      'GET /shrinkflation/moderation': () => json(200, { items: [detection()], nextCursor: null }),
      'GET /products/merge-candidates': () => json(200, { items: candidates }),
      [`POST /products/${cerealToo.id}/merge`]: () => {
        candidates = candidates.slice(1);
        return json(200, cereal);
      },
      'POST /products/merge-candidates/dismiss': () => {
        candidates = [];
        return new Response(null, { status: 204 });
      },
    });
    const person = userEvent.setup();
    const prices = await screen.findByRole('table', { name: 'Suspicious receipt prices, newest first' });
    expect(within(prices).getByRole('cell', { name: '$0.01' })).toBeTruthy();
    expect(within(prices).getByRole('cell', { name: '-98.5 %' })).toBeTruthy();
    expect(within(prices).getByRole('link', { name: 'Bananas' }).getAttribute('href')).toBe(
      `/app/admin/products?product=${cereal.id}`,
    );
    expect(await screen.findByRole('article', { name: /Oatly Farms/ })).toBeTruthy();

    const pair = await screen.findByRole('article', {
      name: 'Crunchy Oat Cereal / Crunchy Oat Cereal Original',
    });
    expect(pair.textContent).toContain('similarity 72 %');
    await person.click(
      within(pair).getByRole('button', { name: 'Merge Crunchy Oat Cereal Original into Crunchy Oat Cereal' }),
    );
    expect(
      await screen.findByText('Merged Crunchy Oat Cereal Original into Crunchy Oat Cereal.'),
    ).toBeTruthy();
    expect(sent('POST', `/products/${cerealToo.id}/merge`)).toEqual([{ targetProductId: cereal.id }]);
    await waitFor(() =>
      expect(
        screen.queryByRole('article', { name: 'Crunchy Oat Cereal / Crunchy Oat Cereal Original' }),
      ).toBeNull(),
    );

    const family = screen.getByRole('article', { name: 'Oat Bites / Oat Bites 12 pack' });
    expect(family.textContent).toContain('One GTIN family');
    await person.click(within(family).getByRole('button', { name: /^Not duplicates/ }));
    expect(await screen.findByText('Not duplicates: Oat Bites and Oat Bites 12 pack.')).toBeTruthy();
    expect(sent('POST', '/products/merge-candidates/dismiss')).toEqual([
      { productIds: ['0190a0b0-0000-7000-8000-0000000000d3', '0190a0b0-0000-7000-8000-0000000000d4'] },
    ]);
  });
});

describe('product edit', () => {
  it('sets a category from the taxonomy, hands the brand back to the evidence and shows the history', async () => {
    let current = { ...cereal, prices: [], cheapestStore: null };
    const history: components['schemas']['ProductHistoryEntry'][] = [
      {
        id: '0190a0b0-0000-7000-8000-0000000000f1',
        attribute: 'size',
        oldValue: '453.592 g',
        newValue: '500 g',
        cause: 'evidence',
        actorId: null,
        createdAt: '2026-11-02T10:00:00Z',
      },
    ];
    const { sent } = renderAdminApp(`/app/admin/products?product=${cereal.id}`, {
      [`GET /products/${cereal.id}`]: () => json(200, current),
      'GET /products/categories': () =>
        json(200, {
          items: [
            { category: 'cereal', cpiCategory: 'cereals-bakery' },
            { category: 'dairy', cpiCategory: 'dairy' },
          ],
        }),
      [`GET /products/${cereal.id}/history`]: () => json(200, { items: history }),
      [`PATCH /products/${cereal.id}`]: () => {
        current = { ...current, category: 'cereal', brand: 'Store Brand' };
        history.unshift({
          id: '0190a0b0-0000-7000-8000-0000000000f2',
          attribute: 'category',
          oldValue: 'dairy',
          newValue: 'cereal',
          cause: 'admin',
          actorId: '0190a0b0-0000-7000-8000-000000000001',
          createdAt: '2026-12-01T10:00:00Z',
        });
        return json(200, current);
      },
    });
    const person = userEvent.setup();
    const table = await screen.findByRole('table', { name: 'Changes of the product, newest first' });
    expect(within(table).getByRole('cell', { name: '453.592 g' })).toBeTruthy();
    await screen.findByRole('option', { name: 'cereal — cereals-bakery' });
    await person.selectOptions(screen.getByRole('combobox', { name: 'Category' }), 'cereal');
    await person.click(screen.getByRole('checkbox', { name: 'Brand' }));
    expect((screen.getByRole('textbox', { name: 'Brand' }) as HTMLInputElement).disabled).toBe(true);
    await person.click(screen.getByRole('button', { name: 'Save product' }));
    expect(await screen.findByText('Saved Crunchy Oat Cereal.')).toBeTruthy();
    expect(sent('PATCH', `/products/${cereal.id}`)).toEqual([{ category: 'cereal', clear: ['brand'] }]);
    expect(await within(table).findByRole('cell', { name: /^Admin edit/ })).toBeTruthy();
  });

  it('shows the server’s refusal of a category next to the field', async () => {
    renderAdminApp(`/app/admin/products?product=${cereal.id}`, {
      [`GET /products/${cereal.id}`]: () => json(200, { ...cereal, prices: [], cheapestStore: null }),
      'GET /products/categories': () =>
        json(200, { items: [{ category: 'cereal', cpiCategory: 'cereals-bakery' }] }),
      [`GET /products/${cereal.id}/history`]: () => json(200, { items: [] }),
      [`PATCH /products/${cereal.id}`]: () =>
        validationFailed([{ path: 'category', message: 'Invalid option' }]),
    });
    const person = userEvent.setup();
    await screen.findByRole('option', { name: 'cereal — cereals-bakery' });
    await person.selectOptions(screen.getByRole('combobox', { name: 'Category' }), 'cereal');
    await person.click(screen.getByRole('button', { name: 'Save product' }));
    const category = screen.getByRole('combobox', { name: 'Category' });
    await waitFor(() => expect(category.getAttribute('aria-invalid')).toBe('true'));
  });
});

describe('orders', () => {
  const paidOrder = {
    id: '0190a0b0-0000-7000-8000-0000000000e1',
    userId: '0190a0b0-0000-7000-8000-0000000000e2',
    locationId,
    status: 'PAID' as const,
    currency: 'USD',
    totalCents: 1299,
    itemCount: 2,
    expiresAt: null,
    createdAt: '2026-12-01T10:00:00.000Z',
    updatedAt: '2026-12-01T10:05:00.000Z',
  };

  it('refunds through the refund route (the payment provider), never by setting the status', async () => {
    const { seen } = renderAdminApp('/app/admin/orders', {
      'GET /orders': () => json(200, { items: [paidOrder], nextCursor: null }),
      [`POST /orders/${paidOrder.id}/refund`]: () =>
        json(202, { order: paidOrder, refund: { id: 'r', status: 'PENDING' } }),
    });
    const person = userEvent.setup();
    await person.click(await screen.findByRole('button', { name: 'Refund' }));
    await waitFor(() => expect(seen.some((r) => r.path === `/orders/${paidOrder.id}/refund`)).toBe(true));
    const refund = seen.find((r) => r.path === `/orders/${paidOrder.id}/refund`);
    expect(refund?.method).toBe('POST');
    expect(seen.some((r) => r.method === 'PATCH')).toBe(false);
  });
});
