/**
 * Issue #9 end to end, only through the gateway: an admin puts a product in a store's catalog (orders,
 * which resolves the GTIN to a product through price-watch) and
 * registers a smart cart there; a shopper pairs it by code; a scan from the cart (device key, no JWT)
 * puts the item in the shopper's cart and the shopper's SSE stream gets `cart.updated`. The cart's
 * Wi-Fi retries (the same scan five times) add the item once.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventStream } from '../src/event-stream.js';
import { eventually } from '../src/eventually.js';
import { GatewayClient, type Session } from '../src/gateway-client.js';
import { randomGtin13 } from '../src/gtin.js';
import { sharedPlatform } from '../src/shared-platform.js';

const platform = sharedPlatform();
const gateway = new GatewayClient(platform.url);
const gtin = randomGtin13();
const storeSlug = `cart-mart-${randomBytes(3).toString('hex')}`;

let admin: Session;
let shopper: Session;
let locationId: string;
let catalogItem: { id: string; productId: string };
let deviceKey: string;
let shopperEvents: EventStream;

interface Cart {
  locationId: string;
  itemCount: number;
  items: Array<{ productId: string; gtin: string | null; quantity: number }>;
}
interface ScanResult {
  replayed: boolean;
  productId: string | null;
  cart: { itemCount: number; lines: Array<{ productId: string; quantity: number }> };
}

beforeAll(async () => {
  admin = await eventually('the bootstrapped admin can log in', () => gateway.loginAdmin(platform.admin));

  const location = await gateway.post<{ id: string }>(
    '/catalog/locations',
    { storeSlug, name: 'Cart Mart Downtown', currency: 'USD' },
    { token: admin.token, expect: 201 },
  );
  locationId = location.body.id;
  // orders resolves the GTIN through price-watch, which creates the product it has not seen yet.
  const created = await gateway.post<{ id: string; productId: string }>(
    '/catalog/items',
    { locationId, gtin, name: 'Sparkling Water', brand: 'Bubbl', priceCents: 129, onHand: 50 },
    { token: admin.token, expect: 201 },
  );
  catalogItem = created.body;

  const device = await gateway.post<{ device: { id: string }; key: { key: string } }>(
    '/devices',
    { locationId, name: 'Cart 17' },
    { token: admin.token, expect: 201 },
  );
  deviceKey = device.body.key.key;

  shopper = await gateway.registerUser('cart-shopper');
  shopperEvents = await EventStream.open(platform.url, shopper.token);
});

afterAll(() => shopperEvents?.close());

describe('a smart cart scanning into a shopper’s cart', () => {
  it('pairs by the code the cart shows', async () => {
    const code = await gateway.post<{ code: string }>(
      '/device/pairing-code',
      {},
      { token: deviceKey, expect: 201 },
    );
    const session = await gateway.post<{ userId: string; locationId: string }>(
      '/devices/pair',
      { code: code.body.code },
      { token: shopper.token },
    );
    expect(session.body).toMatchObject({ userId: shopper.userId, locationId });
    const paired = await shopperEvents.waitFor('device.paired', (event) => event.event === 'device.paired');
    expect(paired.data.data).toMatchObject({ userId: shopper.userId, locationId });
  });

  it('puts the scanned item in the shopper’s cart and pushes cart.updated to their stream', async () => {
    const scan = { scanId: 'scan-0001', barcode: gtin, action: 'add' };
    const first = await gateway.post<ScanResult>('/device/scans', scan, { token: deviceKey });
    expect(first.body).toMatchObject({ replayed: false, productId: catalogItem.productId });
    expect(first.body.cart.lines).toEqual([
      expect.objectContaining({ productId: catalogItem.productId, quantity: 1 }),
    ]);

    const cart = await gateway.get<Cart>(`/cart?location=${locationId}`, { token: shopper.token });
    expect(cart.body.items).toEqual([
      expect.objectContaining({ productId: catalogItem.productId, gtin, quantity: 1 }),
    ]);

    const updated = await shopperEvents.waitFor(
      'cart.updated for the scanned item',
      (event) => event.event === 'cart.updated' && event.data.data.itemCount === 1,
    );
    expect(updated.data.type).toBe('cart.updated.v1');
    expect(updated.data.data).toMatchObject({ userId: shopper.userId, locationId, itemCount: 1 });
  });

  it('adds the item once when the same scan is sent five times', async () => {
    const scan = { scanId: 'scan-0002', barcode: gtin, action: 'add' };
    const answers: ScanResult[] = [];
    for (let attempt = 0; attempt < 5; attempt++) {
      answers.push((await gateway.post<ScanResult>('/device/scans', scan, { token: deviceKey })).body);
    }
    expect(answers.map((answer) => answer.replayed)).toEqual([false, true, true, true, true]);
    // scan-0001 added one, scan-0002 one more: two units, however often scan-0002 was retried.
    for (const answer of answers) {
      expect(answer.cart.lines).toEqual([
        expect.objectContaining({ productId: catalogItem.productId, quantity: 2 }),
      ]);
    }
    const cart = await gateway.get<Cart>(`/cart?location=${locationId}`, { token: shopper.token });
    expect(cart.body.items).toEqual([
      expect.objectContaining({ productId: catalogItem.productId, quantity: 2 }),
    ]);
    expect(cart.body.itemCount).toBe(2);
  });

  it('keeps the cart to its shopper: another user sees an empty cart, a device key is no user token', async () => {
    const other = await gateway.registerUser('other-shopper');
    const cart = await gateway.get<Cart>(`/cart?location=${locationId}`, { token: other.token });
    expect(cart.body.items).toEqual([]);
    // The device authenticates only to /device/*: its key is no user token.
    await gateway.get(`/cart?location=${locationId}`, { token: deviceKey, expect: 401 });
  });
});
