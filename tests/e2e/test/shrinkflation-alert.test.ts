/**
 * Issue #6 end to end, only through the gateway: receipts imported through receipt-ingest show the same
 * GTIN at 16 oz and then at 14.5 oz for the same $3.99 -> price-watch matches and observes them ->
 * shrinkflation detects the shrink (+10.3 % unit price) -> price-watch alerts the user who bought the
 * product, on `GET /alerts` and on their SSE stream, and no one else. An admin's rejection takes the claim
 * off the gateway-cached public list at once.
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
const storeSlug = `shrink-mart-${randomBytes(3).toString('hex')}`;
const cerealGtin = randomGtin13();
const coffeeGtin = randomGtin13();

interface Alert {
  id: string;
  kind: string;
  title: string;
  body: string;
  productId: string | null;
}
interface Shrinkflation {
  id: string;
  kind: string;
  productId: string;
  storeSlug: string;
  oldSize: { value: number; unit: string };
  newSize: { value: number; unit: string };
  oldPriceCents: number;
  newPriceCents: number;
  unitPriceChangePct: number;
  confidence: number;
}

let buyer: Session;
let otherShopper: Session;
let buyerEvents: EventStream;

/** One receipt a month (UTC, the 5th): the cereal in the given size, and for variety milk. */
function cerealReceipt(month: number, ounces: number) {
  return {
    storeSlug,
    purchasedAt: `2026-${String(month).padStart(2, '0')}-05T17:30:00Z`,
    currency: 'USD',
    items: [
      {
        name: 'Crunchy Oat Cereal',
        brand: 'Oatly Farms',
        category: 'cereal',
        gtin: cerealGtin,
        unitPriceCents: 399,
        size: { value: ounces, unit: 'oz' },
      },
      { name: 'Whole Milk', category: 'dairy', unitPriceCents: 349, size: { value: 1, unit: 'l' } },
    ],
  };
}

async function alertsOf(session: Session): Promise<Alert[]> {
  const { body } = await gateway.get<{ items: Alert[] }>('/alerts?limit=100', { token: session.token });
  return body.items;
}

beforeAll(async () => {
  const admin = await eventually('the bootstrapped admin can log in', () =>
    gateway.loginAdmin(platform.admin),
  );
  await gateway.post(
    '/stores',
    { slug: storeSlug, name: 'Shrink Mart', ingestionMethods: ['json'] },
    { token: admin.token, expect: 201 },
  );
  buyer = await gateway.registerUser('cereal-buyer');
  otherShopper = await gateway.registerUser('coffee-buyer');
  // Open before the receipts: the stream delivers what happens while it is open.
  buyerEvents = await EventStream.open(platform.url, buyer.token);
});

afterAll(() => buyerEvents?.close());

describe('shrinkflation from imported receipts', () => {
  it('alerts the buyer of a product whose pack shrank at the same price, and no one else', async () => {
    // Three months at 16 oz, then three at 14.5 oz, all at $3.99 (regular price).
    for (const [month, ounces] of [
      [1, 16],
      [2, 16],
      [3, 16],
      [4, 14.5],
      [5, 14.5],
      [6, 14.5],
    ] as const) {
      await gateway.post('/receipts', cerealReceipt(month, ounces), { token: buyer.token, expect: 201 });
    }
    // The other shopper buys at the same store, the same months, but never the cereal.
    await gateway.post(
      '/receipts/batch',
      {
        receipts: [1, 3, 5].map((month) => ({
          storeSlug,
          purchasedAt: `2026-0${month}-06T09:00:00Z`,
          currency: 'USD',
          items: [
            {
              name: 'Ground Coffee',
              brand: 'Roastery',
              gtin: coffeeGtin,
              unitPriceCents: 899,
              size: { value: 12, unit: 'oz' },
            },
          ],
        })),
      },
      { token: otherShopper.token },
    );

    const alert = await eventually(
      'the buyer’s shrinkflation alert',
      async () => (await alertsOf(buyer)).find((item) => item.kind === 'shrinkflation'),
      { timeoutMs: 90_000 },
    );
    expect(alert.title).toBe('Crunchy Oat Cereal shrank');
    expect(alert.body).toContain('+10.3%');
    expect(alert.body).toContain(storeSlug);

    // price-watch alerts every buyer in one transaction: the buyer's alert being there means the
    // other shopper's would be too.
    expect((await alertsOf(otherShopper)).filter((item) => item.kind === 'shrinkflation')).toEqual([]);
    expect((await alertsOf(otherShopper)).filter((item) => item.productId === alert.productId)).toEqual([]);

    const pushed = await buyerEvents.waitFor(
      'the shrinkflation alert.created',
      (event) => event.event === 'alert.created' && event.data.data.kind === 'shrinkflation',
    );
    expect(pushed.data.type).toBe('alert.created.v1');
    expect(pushed.data.data).toMatchObject({
      alertId: alert.id,
      userId: buyer.userId,
      kind: 'shrinkflation',
      productId: alert.productId,
    });
  });

  it('lists the detection with the size change and +10.3 % unit price', async () => {
    // One shopper's receipts are no independent evidence (docs/shrinkflation.md): another shopper does
    // not read the claim; the admins' moderation queue does.
    const { body: hidden } = await gateway.get<{ items: Shrinkflation[] }>(
      `/shrinkflation?store=${storeSlug}`,
      {
        token: otherShopper.token,
      },
    );
    expect(hidden.items).toEqual([]);
    const admin = await gateway.loginAdmin(platform.admin);
    const { body } = await gateway.get<{ items: Shrinkflation[] }>(`/shrinkflation?store=${storeSlug}`, {
      token: admin.token,
    });
    expect(body.items).toHaveLength(1);
    const [detection] = body.items;
    expect(detection).toMatchObject({
      kind: 'same-product',
      storeSlug,
      oldSize: { value: expect.closeTo(453.592, 2), unit: 'g' },
      newSize: { value: expect.closeTo(411.068, 2), unit: 'g' },
      oldPriceCents: 399,
      newPriceCents: 399,
    });
    expect(detection?.unitPriceChangePct).toBeCloseTo(10.34, 1);
    expect(detection?.confidence).toBeGreaterThanOrEqual(0.8);
    const alert = (await alertsOf(buyer)).find((item) => item.kind === 'shrinkflation');
    expect(alert?.productId).toBe(detection?.productId);
  });

  it("takes a rejected claim off the gateway's cached public list at once", async () => {
    const admin = await gateway.loginAdmin(platform.admin);
    const { body } = await gateway.get<{ items: Shrinkflation[] }>(`/shrinkflation?store=${storeSlug}`, {
      token: admin.token,
    });
    const id = body.items[0]?.id;
    expect(id).toBeDefined();
    await gateway.post(`/shrinkflation/${id}/confirm`, undefined, { token: admin.token });
    const publicList = () =>
      gateway.get<{ items: Array<{ productId: string }> }>(`/public/shrinkflation?store=${storeSlug}`);
    const confirmed = await publicList();
    expect(confirmed.body.items.map((item) => item.productId)).toEqual([body.items[0]?.productId]);
    // The gateway now holds the answer (the one public cache; the shrinkflation service keeps none).
    const cached = await publicList();
    expect(cached.headers.get('x-cache')).toBe('HIT');
    expect(cached.headers.get('cache-control')).toBe('public, no-cache');

    await gateway.post(`/shrinkflation/${id}/reject`, undefined, { token: admin.token });
    // No waiting: the review answered after the service purged the gateway's copy.
    const rejected = await publicList();
    expect(rejected.headers.get('x-cache')).toBe('MISS');
    expect(rejected.body.items).toEqual([]);
  });
});
