/**
 * Issue #21 through the gateway: one shopper's receipts can no longer move what others see
 * (docs/price-watch.md, "Consensus prices"). The store's catalog says bananas cost 69¢; one shopper posts
 * a receipt at 1¢ and tries one dated 2099. Public store comparison, another shopper's target-price watch
 * and another shopper's optimized plan stay on 69¢, while the contributor sees (and is alerted on) their
 * own 1¢.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Account, registerAccount } from '../src/accounts.js';
import { eventually } from '../src/eventually.js';
import { GatewayClient, type Session } from '../src/gateway-client.js';
import { randomGtin13 } from '../src/gtin.js';
import { sharedPlatform } from '../src/shared-platform.js';

const platform = sharedPlatform();
const gateway = new GatewayClient(platform.url);
const suffix = randomBytes(3).toString('hex');
const storeSlug = `fresh-fields-${suffix}`;
const bananasGtin = randomGtin13();
const bananas = { name: `Bananas ${suffix}`, brand: 'Tropic', gtin: bananasGtin };

interface Alert {
  kind: string;
  title: string;
  body: string;
  productId: string | null;
}
interface ProductDetail {
  prices: Array<{ storeSlug: string; priceCents: number }>;
}

let admin: Session;
let contributor: Account;
let watcher: Account;
let productId: string;

function receipt(priceCents: number, purchasedAt: string) {
  return {
    storeSlug,
    purchasedAt,
    currency: 'USD',
    retailerReceiptId: `trust-${suffix}-${randomInt(1_000_000)}`,
    items: [{ ...bananas, unitPriceCents: priceCents }],
  };
}

async function alertsOf(session: Session): Promise<Alert[]> {
  const { body } = await gateway.get<{ items: Alert[] }>('/alerts?limit=100', { token: session.token });
  return body.items;
}

async function pricesSeenBy(session: Session): Promise<ProductDetail['prices']> {
  const { body } = await gateway.get<ProductDetail>(`/products/${productId}`, { token: session.token });
  return body.prices;
}

async function planOf(session: Session) {
  const { body } = await gateway.post<{
    totalCents: number;
    stores: Array<{ storeSlug: string; items: Array<{ productId: string; unitPriceCents: number }> }>;
  }>(
    '/shopping/optimize',
    { items: [{ productId, quantity: 1 }], stores: [storeSlug], maxStores: 1, useCoupons: false },
    { token: session.token },
  );
  return body;
}

beforeAll(async () => {
  admin = await eventually('the bootstrapped admin can log in', () => gateway.loginAdmin(platform.admin));
  await gateway.post(
    '/stores',
    { slug: storeSlug, name: 'Fresh Fields', ingestionMethods: ['json'] },
    { token: admin.token, expect: 201 },
  );
  // The store's own catalog: bananas at 69¢.
  const location = await gateway.post<{ id: string }>(
    '/catalog/locations',
    { storeSlug, name: `Fresh Fields ${suffix}`, currency: 'USD' },
    { token: admin.token, expect: 201 },
  );
  const imported = await gateway.post<{ items: Array<{ productId: string }> }>(
    '/catalog/import',
    { locationId: location.body.id, items: [{ ...bananas, priceCents: 69, onHand: 50 }] },
    { token: admin.token },
  );
  productId = imported.body.items[0]?.productId as string;
  expect(productId).toMatch(/^[0-9a-f-]{36}$/);
  contributor = await registerAccount(gateway, 'one-cent-shopper');
  watcher = await registerAccount(gateway, 'banana-watcher');
  // Both watch bananas for 50¢ or less.
  for (const account of [contributor, watcher]) {
    await gateway.post(
      '/watches',
      { productId, targetPriceCents: 50 },
      { token: account.token, expect: 201 },
    );
  }
  await eventually('the catalog’s 69¢ as the store’s shared price', async () => {
    const plan = await planOf(watcher);
    return plan.stores[0]?.items[0]?.unitPriceCents === 69 ? plan : undefined;
  });
});

describe('one shopper’s extreme price', () => {
  it('reaches the contributor’s own price and alerts, and nobody else’s', async () => {
    await gateway.post('/receipts', receipt(1, new Date().toISOString()), {
      token: contributor.token,
      expect: 201,
    });
    // The contributor's own view and own watch follow their receipt.
    await eventually('the contributor’s own 1¢ price', async () => {
      const prices = await pricesSeenBy(contributor);
      return prices.find((price) => price.storeSlug === storeSlug && price.priceCents === 1);
    });
    const own = await eventually('the contributor’s own target-price alert', async () =>
      (await alertsOf(contributor)).find((alert) => alert.kind === 'target-price'),
    );
    expect(own.body).toContain('$0.01');
    const ownPlan = await eventually('the contributor’s own plan on 1¢', async () => {
      const plan = await planOf(contributor);
      return plan.stores[0]?.items[0]?.unitPriceCents === 1 ? plan : undefined;
    });
    expect(ownPlan.totalCents).toBe(1);

    // Everyone else: the store's 69¢. The contributor's plan above proves the event reached the
    // optimizer, and price-watch writes the receipt and every alert in one transaction.
    expect(await pricesSeenBy(watcher)).toEqual([expect.objectContaining({ storeSlug, priceCents: 69 })]);
    expect((await alertsOf(watcher)).filter((alert) => alert.productId === productId)).toEqual([]);
    const plan = await planOf(watcher);
    expect(plan.stores[0]?.items[0]?.unitPriceCents).toBe(69);
    expect(plan.totalCents).toBe(69);
    const { body: comparison } = await gateway.get<{
      stores: Array<{ storeSlug: string; totalCents: number }>;
    }>(`/public/store-comparison?productIds=${productId}`);
    expect(comparison.stores).toEqual([expect.objectContaining({ storeSlug, totalCents: 69 })]);
  });

  it('refuses a receipt dated 2099 and never lets a date ahead pin the latest price', async () => {
    const refused = await gateway.post<{
      error: { code: string; details?: { issues?: Array<{ path: string }> } };
    }>('/receipts', receipt(2, '2099-01-01T12:00:00Z'), { token: contributor.token, expect: 400 });
    expect(refused.body.error.code).toBe('VALIDATION_FAILED');
    expect(refused.body.error.details?.issues?.map((issue) => issue.path)).toContain('purchasedAt');

    // 20 hours ahead is within receipt-ingest's day of clock skew: accepted, but dated at most "now",
    // so the contributor's next receipt is their latest price again.
    await gateway.post('/receipts', receipt(2, new Date(Date.now() + 20 * 3_600_000).toISOString()), {
      token: contributor.token,
      expect: 201,
    });
    await eventually('the contributor’s own 2¢ price', async () =>
      (await pricesSeenBy(contributor)).find((price) => price.priceCents === 2),
    );
    await gateway.post('/receipts', receipt(3, new Date().toISOString()), {
      token: contributor.token,
      expect: 201,
    });
    await eventually('the contributor’s next receipt (3¢) as their latest price', async () =>
      (await pricesSeenBy(contributor)).find((price) => price.priceCents === 3),
    );

    expect(await pricesSeenBy(watcher)).toEqual([expect.objectContaining({ storeSlug, priceCents: 69 })]);
    expect((await alertsOf(watcher)).filter((alert) => alert.productId === productId)).toEqual([]);
    expect((await planOf(watcher)).totalCents).toBe(69);
  });
});
