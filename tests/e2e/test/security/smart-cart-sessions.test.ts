/**
 * Issue #17 part 5, through the gateway: a smart cart's scan ids are idempotency keys of the pairing
 * session, not of the cart. Carts restart their scan counter (or reuse ids) between shoppers; the next
 * shopper must get their own scans applied to their own cart and never see the previous shopper's.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../src/eventually.js';
import { GatewayClient, type Session } from '../../src/gateway-client.js';
import { randomGtin13 } from '../../src/gtin.js';
import { sharedPlatform } from '../../src/shared-platform.js';

const platform = sharedPlatform();
const gateway = new GatewayClient(platform.url);
const storeSlug = `session-mart-${randomBytes(3).toString('hex')}`;
const water = randomGtin13();
const bread = randomGtin13();

let admin: Session;
let locationId: string;
let deviceKey: string;
const productOf = new Map<string, string>();

interface Cart {
  itemCount: number;
  items: Array<{ productId: string; gtin: string | null; quantity: number }>;
}
interface ScanResult {
  scanId: string;
  replayed: boolean;
  productId: string | null;
  cart: { itemCount: number; lines: Array<{ productId: string; quantity: number }> };
}

async function pair(shopper: Session): Promise<void> {
  const code = await gateway.post<{ code: string }>(
    '/device/pairing-code',
    {},
    { token: deviceKey, expect: 201 },
  );
  await gateway.post('/devices/pair', { code: code.body.code }, { token: shopper.token, expect: 201 });
}

async function scan(scanId: string, barcode: string): Promise<ScanResult> {
  const answer = await gateway.post<ScanResult>(
    '/device/scans',
    { scanId, barcode, action: 'add' },
    { token: deviceKey },
  );
  return answer.body;
}

async function cartOf(shopper: Session): Promise<Cart> {
  return (await gateway.get<Cart>(`/cart?location=${locationId}`, { token: shopper.token })).body;
}

beforeAll(async () => {
  admin = await eventually('the bootstrapped admin can log in', () => gateway.loginAdmin(platform.admin));
  const location = await gateway.post<{ id: string }>(
    '/catalog/locations',
    { storeSlug, name: 'Session Mart', currency: 'USD' },
    { token: admin.token, expect: 201 },
  );
  locationId = location.body.id;
  for (const [gtin, name] of [
    [water, 'Still Water'],
    [bread, 'Rye Bread'],
  ] as const) {
    const item = await gateway.post<{ productId: string }>(
      '/catalog/items',
      { locationId, gtin, name, brand: 'Sessionly', priceCents: 199, onHand: 100 },
      { token: admin.token, expect: 201 },
    );
    productOf.set(gtin, item.body.productId);
  }
  const device = await gateway.post<{ key: { key: string } }>(
    '/devices',
    { locationId, name: 'Shared cart' },
    { token: admin.token, expect: 201 },
  );
  deviceKey = device.body.key.key;
});

// Each test leaves the cart unpaired, whatever it asserted, so the next one can pair it.
afterEach(async () => {
  await gateway.call('DELETE', '/device/session', { token: deviceKey });
});

describe('scan ids of a smart cart are scoped to the pairing session', () => {
  it('gives the next shopper their own cart when the cart repeats the previous session’s scans', async () => {
    const shopperA = await gateway.registerUser('cart-shopper-a');
    const shopperB = await gateway.registerUser('cart-shopper-b');
    const shopping = [
      ['s1', water],
      ['s2', water],
      ['s3', bread],
    ] as const;

    await pair(shopperA);
    for (const [scanId, barcode] of shopping) {
      expect(await scan(scanId, barcode)).toMatchObject({ scanId, replayed: false });
    }
    await gateway.call('DELETE', '/devices/session', { token: shopperA.token, expect: 204 });

    // Shopper B buys the same things; the cart numbers its scans from s1 again.
    await pair(shopperB);
    const answers: ScanResult[] = [];
    for (const [scanId, barcode] of shopping) answers.push(await scan(scanId, barcode));
    expect(answers.map((answer) => answer.replayed)).toEqual([false, false, false]);

    const cartB = await cartOf(shopperB);
    expect(cartB.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ gtin: water, quantity: 2 }),
        expect.objectContaining({ gtin: bread, quantity: 1 }),
      ]),
    );
    expect(cartB.itemCount).toBe(3);
    const cartA = await cartOf(shopperA);
    expect(cartA.itemCount).toBe(3);
    expect(cartA.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ gtin: water, quantity: 2 }),
        expect.objectContaining({ gtin: bread, quantity: 1 }),
      ]),
    );
  });

  it('applies a reused scan id with another barcode to the new shopper’s cart, showing only their lines', async () => {
    const shopperA = await gateway.registerUser('cart-shopper-d');
    const shopperB = await gateway.registerUser('cart-shopper-e');

    await pair(shopperA);
    for (const scanId of ['s1', 's2', 's3']) await scan(scanId, water);
    await gateway.call('DELETE', '/devices/session', { token: shopperA.token, expect: 204 });

    await pair(shopperB);
    const answers: ScanResult[] = [];
    for (const scanId of ['s1', 's2', 's3']) answers.push(await scan(scanId, bread));
    expect(answers.map((answer) => answer.replayed)).toEqual([false, false, false]);
    for (const answer of answers) {
      // The cart's screen shows B's cart: bread, never A's water.
      expect(answer.cart.lines.map((line) => line.productId)).toEqual([productOf.get(bread)]);
    }
    expect((await cartOf(shopperB)).items).toEqual([expect.objectContaining({ gtin: bread, quantity: 3 })]);
    expect((await cartOf(shopperA)).items).toEqual([expect.objectContaining({ gtin: water, quantity: 3 })]);
  });

  it('still replays a retried scan within one session', async () => {
    const shopper = await gateway.registerUser('cart-shopper-c');
    await pair(shopper);
    const first = await scan('s1', water);
    const retry = await scan('s1', water);
    expect([first.replayed, retry.replayed]).toEqual([false, true]);
    expect(retry.cart).toEqual(first.cart);
    expect((await cartOf(shopper)).items).toEqual([expect.objectContaining({ gtin: water, quantity: 1 })]);
  });
});
