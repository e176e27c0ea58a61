/**
 * Issue #17, "roles", through the gateway of the running platform: store staff manage their own
 * retailer's locations, catalog, stock, orders, carts, layouts and coupons; staff of another retailer
 * get 403/404 on those resources and nothing changes; shoppers get 403; platform moderation (retailers,
 * product merge/split, CPI, shrinkflation review, accounts) stays with admins.
 *
 * Set-up as an operator does it: the admin creates two retailers (`POST /stores`) with a location each
 * (`POST /catalog/locations`), and two staff accounts (register, `PUT /admin/users/{id}/role`, sign in
 * again). Every refusal is followed by a read that proves the data did not change.
 */
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Account, registerAccount, registerStaffAccount } from '../../src/accounts.js';
import { eventually } from '../../src/eventually.js';
import { GatewayClient, type Session } from '../../src/gateway-client.js';
import { randomGtin13 } from '../../src/gtin.js';
import { sharedPlatform } from '../../src/shared-platform.js';

const platform = sharedPlatform();
const gateway = new GatewayClient(platform.url);
const suffix = randomBytes(3).toString('hex');
const retailerA = `roles-a-${suffix}`;
const retailerB = `roles-b-${suffix}`;

interface CatalogItem {
  id: string;
  productId: string;
  name: string;
  priceCents: number;
  onHand: number;
  active: boolean;
  deletedAt: string | null;
}
interface Order {
  id: string;
  status: string;
  locationId: string;
}
interface Device {
  id: string;
  locationId: string;
  revokedAt: string | null;
}
interface Coupon {
  id: string;
  storeSlug: string | null;
  title: string;
}

let admin: Session;
let staffA: Account;
let staffB: Account;
let shopper: Account;
let locationA: string;
let locationB: string;
let itemA: CatalogItem;
let itemB: CatalogItem;

const layout = {
  nodes: [
    { id: 'entrance', kind: 'entrance', x: 0, y: 0 },
    { id: 'dairy', kind: 'aisle', x: 4, y: 0, label: 'Dairy' },
    { id: 'checkout', kind: 'checkout', x: 0, y: 3 },
  ],
  edges: [
    { from: 'entrance', to: 'dairy', distance: 4 },
    { from: 'dairy', to: 'checkout', distance: 5 },
  ],
  placements: [{ nodeId: 'dairy', category: 'Dairy' }],
};

function coupon(storeSlug: string | undefined, title: string) {
  return {
    ...(storeSlug !== undefined && { storeSlug }),
    scope: { kind: 'category', category: 'Dairy' },
    type: 'percent',
    percentOff: 10,
    validFrom: new Date(Date.now() - 86_400_000).toISOString(),
    requiresClip: false,
    title,
  };
}

async function createLocation(token: string, storeSlug: string, name: string): Promise<string> {
  const { body } = await gateway.post<{ id: string; storeSlug: string }>(
    '/catalog/locations',
    { storeSlug, name, currency: 'USD' },
    { token, expect: 201 },
  );
  expect(body.storeSlug).toBe(storeSlug);
  return body.id;
}

async function createItem(token: string, locationId: string, name: string): Promise<CatalogItem> {
  const { body } = await gateway.post<CatalogItem>(
    '/catalog/items',
    { locationId, gtin: randomGtin13(), name, brand: 'Roles', priceCents: 199, onHand: 20 },
    { token, expect: 201 },
  );
  return body;
}

/** The item as an admin reads it (inactive and deleted ones included). */
async function itemAsAdmin(id: string): Promise<CatalogItem> {
  return (await gateway.get<CatalogItem>(`/catalog/items/${id}`, { token: admin.token, expect: 200 })).body;
}

async function placeOrder(locationId: string, productId: string): Promise<Order> {
  await gateway.post('/cart/items', { locationId, productId, quantity: 1 }, { token: shopper.token });
  const { body } = await gateway.call<Order>('POST', '/orders', {
    token: shopper.token,
    body: { locationId },
    headers: { 'idempotency-key': `roles-${randomBytes(6).toString('hex')}` },
    expect: 201,
  });
  return body;
}

async function orderStatus(id: string): Promise<string> {
  return (await gateway.get<Order>(`/orders/${id}`, { token: shopper.token, expect: 200 })).body.status;
}

/** 403 or 404: either refusal is right for a resource of another retailer; 2xx (or 5xx) is not. */
async function expectRefused(method: string, path: string, token: string, body?: unknown): Promise<void> {
  await gateway.call(method, path, { token, body, expect: [403, 404] });
}

beforeAll(async () => {
  admin = await eventually('the bootstrapped admin can log in', () => gateway.loginAdmin(platform.admin));
  for (const slug of [retailerA, retailerB]) {
    await gateway.post(
      '/stores',
      { slug, name: `Roles ${slug}`, ingestionMethods: ['json'] },
      { token: admin.token, expect: 201 },
    );
  }
  locationA = await createLocation(admin.token, retailerA, 'Roles A Downtown');
  locationB = await createLocation(admin.token, retailerB, 'Roles B Uptown');
  itemA = await createItem(admin.token, locationA, 'Roles Milk A');
  itemB = await createItem(admin.token, locationB, 'Roles Milk B');
  staffA = await registerStaffAccount(gateway, admin.token, retailerA, 'staff-a');
  staffB = await registerStaffAccount(gateway, admin.token, retailerB, 'staff-b');
  shopper = await registerAccount(gateway, 'roles-shopper');
});

describe('store staff manage their own retailer only', () => {
  it('receipt-ingest locations: staff add to their retailer, not to another; shoppers not at all', async () => {
    const created = await gateway.post<{ id: string; storeSlug: string }>(
      `/stores/${retailerA}/locations`,
      { name: 'A by staff', country: 'US' },
      { token: staffA.token, expect: 201 },
    );
    expect(created.body.storeSlug).toBe(retailerA);

    await expectRefused('POST', `/stores/${retailerB}/locations`, staffA.token, {
      name: 'B by staff A',
      country: 'US',
    });
    await gateway.post(
      `/stores/${retailerA}/locations`,
      { name: 'A by shopper', country: 'US' },
      { token: shopper.token, expect: 403 },
    );
    const listB = await gateway.get<{ items: { name: string }[] }>(`/stores/${retailerB}/locations`, {
      token: admin.token,
    });
    expect(listB.body.items.map((location) => location.name)).not.toContain('B by staff A');
    const listA = await gateway.get<{ items: { name: string }[] }>(`/stores/${retailerA}/locations`, {
      token: admin.token,
    });
    expect(listA.body.items.map((location) => location.name)).not.toContain('A by shopper');
  });

  it('orders catalog: locations, items, import, patch, delete and restore', async () => {
    await createLocation(staffA.token, retailerA, 'A second store');
    await expectRefused('POST', '/catalog/locations', staffA.token, {
      storeSlug: retailerB,
      name: 'B by staff A',
      currency: 'USD',
    });
    await gateway.post(
      '/catalog/locations',
      { storeSlug: retailerA, name: 'by shopper', currency: 'USD' },
      { token: shopper.token, expect: 403 },
    );

    const own = await createItem(staffA.token, locationA, 'Staff A Butter');
    await gateway.call('PATCH', `/catalog/items/${own.id}`, {
      token: staffA.token,
      body: { priceCents: 249 },
      expect: 200,
    });
    await gateway.call('DELETE', `/catalog/items/${own.id}`, { token: staffA.token, expect: 200 });
    const restored = await gateway.post<CatalogItem>(`/catalog/items/${own.id}/restore`, undefined, {
      token: staffA.token,
      expect: 200,
    });
    expect(restored.body).toMatchObject({ priceCents: 249, deletedAt: null });
    const imported = await gateway.post<{ created: number }>(
      '/catalog/import',
      { locationId: locationA, items: [{ gtin: randomGtin13(), name: 'Staff A Cream', priceCents: 99 }] },
      { token: staffA.token, expect: 200 },
    );
    expect(imported.body.created).toBe(1);
    // Managers of the location see inactive items; a shopper may not ask for them.
    await gateway.get(`/catalog?location=${locationA}&includeInactive=true`, {
      token: staffA.token,
      expect: 200,
    });

    const before = await itemAsAdmin(itemB.id);
    await expectRefused('POST', '/catalog/items', staffA.token, {
      locationId: locationB,
      gtin: randomGtin13(),
      name: 'B item by staff A',
      priceCents: 1,
    });
    await expectRefused('PATCH', `/catalog/items/${itemB.id}`, staffA.token, { priceCents: 1 });
    await expectRefused('DELETE', `/catalog/items/${itemB.id}`, staffA.token);
    await expectRefused('POST', `/catalog/items/${itemB.id}/restore`, staffA.token);
    await expectRefused('POST', '/catalog/import', staffA.token, {
      locationId: locationB,
      items: [{ productId: itemB.productId, name: 'renamed by staff A', priceCents: 1 }],
    });
    await expectRefused('GET', `/catalog?location=${locationB}&includeInactive=true`, staffA.token);
    for (const [method, path, body] of [
      ['POST', '/catalog/items', { locationId: locationA, gtin: randomGtin13(), name: 'x', priceCents: 1 }],
      ['PATCH', `/catalog/items/${itemA.id}`, { priceCents: 1 }],
      ['DELETE', `/catalog/items/${itemA.id}`, undefined],
      ['POST', `/catalog/items/${itemA.id}/restore`, undefined],
      [
        'POST',
        '/catalog/import',
        { locationId: locationA, items: [{ productId: itemA.productId, name: 'x', priceCents: 1 }] },
      ],
      ['GET', `/catalog?location=${locationA}&includeInactive=true`, undefined],
    ] as const) {
      await gateway.call(method, path, { token: shopper.token, body, expect: 403 });
    }
    expect(await itemAsAdmin(itemB.id)).toEqual(before);
    const itemAAfter = await itemAsAdmin(itemA.id);
    expect(itemAAfter).toMatchObject({ priceCents: 199, deletedAt: null, name: 'Roles Milk A' });
    const catalogB = await gateway.get<{ items: { name: string }[] }>(
      `/catalog?location=${locationB}&includeInactive=true&includeDeleted=true`,
      { token: admin.token },
    );
    expect(catalogB.body.items.map((item) => item.name)).toEqual(['Roles Milk B']);
  });

  it('stock adjustments', async () => {
    const adjusted = await gateway.post<CatalogItem>(
      `/inventory/items/${itemA.id}/adjustments`,
      { delta: 5, reason: 'delivery' },
      { token: staffA.token, expect: 200 },
    );
    expect(adjusted.body.onHand).toBe(itemA.onHand + 5);
    await expectRefused('POST', `/inventory/items/${itemB.id}/adjustments`, staffA.token, {
      delta: 5,
      reason: 'delivery',
    });
    await gateway.post(
      `/inventory/items/${itemA.id}/adjustments`,
      { delta: 5, reason: 'delivery' },
      { token: shopper.token, expect: 403 },
    );
    expect((await itemAsAdmin(itemB.id)).onHand).toBe(itemB.onHand);
    expect((await itemAsAdmin(itemA.id)).onHand).toBe(itemA.onHand + 5);
  });

  it('orders: staff list, read and move their retailer’s orders only', async () => {
    const orderA = await placeOrder(locationA, itemA.productId);
    const orderB = await placeOrder(locationB, itemB.productId);

    const listed = await gateway.get<{ items: Order[] }>('/orders?all=true&limit=100', {
      token: staffA.token,
      expect: 200,
    });
    const ids = listed.body.items.map((order) => order.id);
    expect(ids).toContain(orderA.id);
    expect(ids).not.toContain(orderB.id);
    expect(listed.body.items.every((order) => order.locationId !== locationB)).toBe(true);
    await gateway.get(`/orders/${orderA.id}`, { token: staffA.token, expect: 200 });
    await expectRefused('GET', `/orders/${orderB.id}`, staffA.token);
    await expectRefused('GET', `/orders/${orderB.id}/history`, staffA.token);
    await gateway.get('/orders?all=true', { token: shopper.token, expect: 403 });

    await expectRefused('PATCH', `/orders/${orderB.id}/status`, staffA.token, {
      status: 'CANCELLED',
      reason: 'not yours',
    });
    await gateway.call('PATCH', `/orders/${orderA.id}/status`, {
      token: shopper.token,
      body: { status: 'CANCELLED', reason: 'shopper tries the staff route' },
      expect: 403,
    });
    expect(await orderStatus(orderB.id)).toBe('PENDING');
    expect(await orderStatus(orderA.id)).toBe('PENDING');

    const cancelled = await gateway.call<Order>('PATCH', `/orders/${orderA.id}/status`, {
      token: staffA.token,
      body: { status: 'CANCELLED', reason: 'customer called the store' },
      expect: 200,
    });
    expect(cancelled.body.status).toBe('CANCELLED');
    const history = await gateway.get<{ items: { to: string; actor: string }[] }>(
      `/orders/${orderA.id}/history`,
      { token: shopper.token },
    );
    expect(history.body.items.at(-1)).toMatchObject({ to: 'CANCELLED', actor: `staff:${staffA.userId}` });
    // Staff of B move B's order.
    await gateway.call('PATCH', `/orders/${orderB.id}/status`, {
      token: staffB.token,
      body: { status: 'CANCELLED', reason: 'customer called the store' },
      expect: 200,
    });
  });

  it('smart carts: register, list, read, rotate and revoke', async () => {
    const deviceB = await gateway.post<{ device: Device; key: { key: string } }>(
      '/devices',
      { locationId: locationB, name: 'B cart' },
      { token: admin.token, expect: 201 },
    );
    const own = await gateway.post<{ device: Device; key: { key: string } }>(
      '/devices',
      { locationId: locationA, name: 'A cart' },
      { token: staffA.token, expect: 201 },
    );
    await gateway.get(`/devices/${own.body.device.id}`, { token: staffA.token, expect: 200 });
    await gateway.post(`/devices/${own.body.device.id}/rotate-key`, {}, { token: staffA.token, expect: 201 });

    const listed = await gateway.get<{ items: Device[] }>('/devices?limit=100', {
      token: staffA.token,
      expect: 200,
    });
    expect(listed.body.items.map((device) => device.id)).toContain(own.body.device.id);
    expect(listed.body.items.every((device) => device.locationId === locationA)).toBe(true);
    const filtered = await gateway.get<{ items: Device[] }>(`/devices?location=${locationB}`, {
      token: staffA.token,
    });
    expect(filtered.body.items).toEqual([]);

    await expectRefused('POST', '/devices', staffA.token, { locationId: locationB, name: 'B cart by A' });
    await expectRefused('GET', `/devices/${deviceB.body.device.id}`, staffA.token);
    await expectRefused('POST', `/devices/${deviceB.body.device.id}/rotate-key`, staffA.token, {});
    await expectRefused('POST', `/devices/${deviceB.body.device.id}/revoke`, staffA.token);
    for (const [method, path, body] of [
      ['POST', '/devices', { locationId: locationA, name: 'by shopper' }],
      ['GET', '/devices', undefined],
      ['GET', `/devices/${own.body.device.id}`, undefined],
      ['POST', `/devices/${own.body.device.id}/rotate-key`, {}],
      ['POST', `/devices/${own.body.device.id}/revoke`, undefined],
    ] as const) {
      await gateway.call(method, path, { token: shopper.token, body, expect: 403 });
    }
    // B's cart still works with its only key, and no cart was registered at B by staff A.
    await gateway.post('/device/heartbeat', {}, { token: deviceB.body.key.key, expect: 200 });
    const atB = await gateway.get<{ items: Device[] }>(`/devices?location=${locationB}`, {
      token: admin.token,
    });
    expect(atB.body.items.map((device) => device.id)).toEqual([deviceB.body.device.id]);

    const revoked = await gateway.post<Device>(`/devices/${own.body.device.id}/revoke`, undefined, {
      token: staffA.token,
      expect: 200,
    });
    expect(revoked.body.revokedAt).not.toBeNull();
  });

  it('refuses a smart cart for a location that does not exist (it used to be registered)', async () => {
    await gateway.post(
      '/devices',
      { locationId: '0190f0c4-0000-7000-8000-0000000000aa', name: 'nowhere' },
      { token: admin.token, expect: 404 },
    );
    const listed = await gateway.get<{ items: Device[] }>(
      '/devices?location=0190f0c4-0000-7000-8000-0000000000aa',
      { token: admin.token },
    );
    expect(listed.body.items).toEqual([]);
  });

  it('store layouts', async () => {
    const stored = await gateway.put<{ version: number }>(`/store-layouts/${locationA}`, layout, {
      token: staffA.token,
      expect: 200,
    });
    expect(stored.body.version).toBe(1);
    await expectRefused('PUT', `/store-layouts/${locationB}`, staffA.token, layout);
    await gateway.put(`/store-layouts/${locationA}`, layout, { token: shopper.token, expect: 403 });
    await gateway.get(`/store-layouts/${locationB}`, { token: admin.token, expect: 404 });
    const readA = await gateway.get<{ version: number }>(`/store-layouts/${locationA}`, {
      token: shopper.token,
    });
    expect(readA.body.version).toBe(1);
  });

  it('coupons: their retailer’s only, never every store’s, never moved to another retailer', async () => {
    const own = await gateway.post<Coupon>('/coupons', coupon(retailerA, 'A by staff'), {
      token: staffA.token,
      expect: 201,
    });
    expect(own.body.storeSlug).toBe(retailerA);
    const ofB = await gateway.post<Coupon>('/coupons', coupon(retailerB, 'B by admin'), {
      token: admin.token,
      expect: 201,
    });
    const everywhere = await gateway.post<Coupon>('/coupons', coupon(undefined, 'everywhere'), {
      token: admin.token,
      expect: 201,
    });

    await gateway.put(`/coupons/${own.body.id}`, coupon(retailerA, 'A by staff, edited'), {
      token: staffA.token,
      expect: 200,
    });
    await expectRefused('POST', '/coupons', staffA.token, coupon(retailerB, 'B by staff A'));
    await expectRefused('POST', '/coupons', staffA.token, coupon(undefined, 'everywhere by staff A'));
    await expectRefused('PUT', `/coupons/${own.body.id}`, staffA.token, coupon(retailerB, 'moved to B'));
    await expectRefused(
      'PUT',
      `/coupons/${own.body.id}`,
      staffA.token,
      coupon(undefined, 'moved everywhere'),
    );
    await expectRefused('PUT', `/coupons/${ofB.body.id}`, staffA.token, coupon(retailerA, 'taken by A'));
    await expectRefused('PUT', `/coupons/${everywhere.body.id}`, staffA.token, coupon(retailerA, 'taken'));
    await expectRefused('DELETE', `/coupons/${ofB.body.id}`, staffA.token);
    await expectRefused('DELETE', `/coupons/${everywhere.body.id}`, staffA.token);
    await gateway.post('/coupons', coupon(retailerA, 'by shopper'), { token: shopper.token, expect: 403 });
    await gateway.put(`/coupons/${own.body.id}`, coupon(retailerA, 'x'), {
      token: shopper.token,
      expect: 403,
    });
    await gateway.call('DELETE', `/coupons/${own.body.id}`, { token: shopper.token, expect: 403 });

    const read = async (id: string) =>
      (await gateway.get<Coupon>(`/coupons/${id}`, { token: admin.token, expect: 200 })).body;
    expect(await read(own.body.id)).toMatchObject({ storeSlug: retailerA, title: 'A by staff, edited' });
    expect(await read(ofB.body.id)).toMatchObject({ storeSlug: retailerB, title: 'B by admin' });
    expect(await read(everywhere.body.id)).toMatchObject({ storeSlug: null, title: 'everywhere' });
    const listA = await gateway.get<{ items: Coupon[] }>(`/coupons?store=${retailerA}&limit=100`, {
      token: admin.token,
    });
    expect(listA.body.items.filter((item) => item.storeSlug === retailerA).map((item) => item.title)).toEqual(
      ['A by staff, edited'],
    );

    await gateway.call('DELETE', `/coupons/${own.body.id}`, { token: staffA.token, expect: 204 });
  });
});

describe('platform moderation stays with admins', () => {
  it('refuses store staff and shoppers the admin-only routes, and nothing changes', async () => {
    const other = await createItem(admin.token, locationB, 'Roles Oat Drink');
    const target = await registerAccount(gateway, 'roles-target');
    for (const refused of [staffA, shopper]) {
      const token = refused.token;
      await gateway.post(
        '/stores',
        { slug: `roles-c-${suffix}`, name: 'by staff', ingestionMethods: ['json'] },
        { token, expect: 403 },
      );
      await gateway.post(
        `/products/${other.productId}/merge`,
        { targetProductId: itemA.productId },
        { token, expect: 403 },
      );
      await gateway.post(
        `/products/${itemA.productId}/split`,
        { gtins: [], lineIds: ['0190f0c4-0000-7000-8000-0000000000bb'], name: 'split by staff' },
        { token, expect: 403 },
      );
      await gateway.post(
        '/prices/cpi',
        { Results: { series: [{ seriesID: 'CUUR0000SAF11', data: [] }] } },
        { token, expect: 403 },
      );
      // The gate comes before the lookup: no detection is needed to prove staff cannot review one.
      for (const action of ['confirm', 'reject']) {
        await gateway.post(
          `/shrinkflation/0190f0c4-0000-7000-8000-0000000000cc/${action}`,
          {},
          { token, expect: 403 },
        );
      }
      await gateway.get('/admin/users', { token, expect: 403 });
      await gateway.put(`/admin/users/${target.userId}/role`, { role: 'admin' }, { token, expect: 403 });
      await gateway.put(
        `/admin/users/${target.userId}/role`,
        { role: 'staff', retailer: retailerA },
        { token, expect: 403 },
      );
    }
    await gateway.get(`/stores/roles-c-${suffix}`, { token: admin.token, expect: 404 });
    const product = await gateway.get<{ mergedIntoId: string | null }>(`/products/${other.productId}`, {
      token: admin.token,
    });
    expect(product.body.mergedIntoId).toBeNull();
    const users = await gateway.get<{ items: { id: string; role: string }[] }>(
      `/admin/users?email=${encodeURIComponent(target.email)}`,
      { token: admin.token },
    );
    expect(users.body.items).toEqual([expect.objectContaining({ id: target.userId, role: 'user' })]);
    // The target's session was never ended by a role change.
    await gateway.get('/shopping/lists', { token: target.token, expect: 200 });
  });
});
