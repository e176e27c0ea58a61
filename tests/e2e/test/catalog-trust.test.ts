/**
 * Issue #21 through the gateway: one shopper's receipts can no longer move what others see
 * (docs/price-watch.md, "Consensus prices"). The store's catalog says bananas cost 69¢; one shopper posts
 * a receipt at 1¢ and tries one dated 2099. Public store comparison, the public trend, another shopper's
 * target-price watch and another shopper's optimized plan stay on 69¢, while the contributor sees (and is alerted on) their
 * own 1¢. One shopper's six receipts showing a pack shrinking become a shrinkflation claim that alerts
 * that shopper only and stays off the public list until an admin confirms it from the moderation queue
 * (docs/shrinkflation.md, "Independent evidence").
 */
import { randomBytes, randomInt } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Account, registerAccount, registerStaffAccount } from '../src/accounts.js';
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
    // The public trend rests on the day's shared price too (docs/price-watch.md, "Shared figures over
    // time"): today is the store's 69¢, the 1¢ receipt is in no point.
    const { body: trend } = await gateway.get<{ points: Array<{ minCents: number; maxCents: number }> }>(
      `/public/trends/${productId}?period=30d`,
    );
    expect(trend.points).toEqual([expect.objectContaining({ minCents: 69, maxCents: 69, count: 1 })]);
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

describe('one shopper’s shrinkflation claim', () => {
  const crispsGtin = randomGtin13();
  const crisps = (grams: number) => ({
    name: `Sea Salt Crisps ${suffix}`,
    brand: 'Crunch Co',
    gtin: crispsGtin,
    unitPriceCents: 299,
    size: { value: grams, unit: 'g' },
  });
  interface Claim {
    id: string;
    productId: string;
    contributors?: number;
    independent?: boolean;
  }

  it('alerts the claimant, not another buyer, and stays off the public list until an admin confirms it', async () => {
    const claimant = await registerAccount(gateway, 'crisps-claimant');
    const otherBuyer = await registerAccount(gateway, 'crisps-buyer');
    // The other shopper bought the crisps once, at another store (so not evidence of this claim): a
    // buyer whom a public claim would alert.
    const otherStore = `corner-${suffix}`;
    await gateway.post(
      '/stores',
      { slug: otherStore, name: 'Corner', ingestionMethods: ['json'] },
      { token: admin.token, expect: 201 },
    );
    await gateway.post(
      '/receipts',
      { storeSlug: otherStore, purchasedAt: '2026-01-02T10:00:00Z', currency: 'USD', items: [crisps(200)] },
      { token: otherBuyer.token, expect: 201 },
    );
    for (const [month, grams] of [
      [1, 200],
      [2, 200],
      [3, 200],
      [4, 170],
      [5, 170],
      [6, 170],
    ] as const) {
      await gateway.post(
        '/receipts',
        { storeSlug, purchasedAt: `2026-0${month}-05T17:30:00Z`, currency: 'USD', items: [crisps(grams)] },
        { token: claimant.token, expect: 201 },
      );
    }
    const alert = await eventually(
      'the claimant’s own shrinkflation alert',
      async () => (await alertsOf(claimant)).find((item) => item.kind === 'shrinkflation'),
      { timeoutMs: 90_000 },
    );
    const claimProduct = alert.productId as string;
    // The moderation queue: admins only.
    await gateway.get('/shrinkflation/moderation', { token: claimant.token, expect: 403 });
    const staff = await registerStaffAccount(gateway, admin.token, storeSlug);
    await gateway.get('/shrinkflation/moderation', { token: staff.token, expect: 403 });
    const queue = await gateway.get<{ items: Claim[] }>('/shrinkflation/moderation?limit=100', {
      token: admin.token,
    });
    const claim = queue.body.items.find((item) => item.productId === claimProduct);
    expect(claim).toMatchObject({ contributors: 1, independent: false });

    // price-watch wrote the claimant's alert in the transaction that would have alerted every buyer.
    expect((await alertsOf(otherBuyer)).filter((item) => item.kind === 'shrinkflation')).toEqual([]);
    const listed = await gateway.get<{ items: Claim[] }>(`/shrinkflation?store=${storeSlug}`, {
      token: otherBuyer.token,
    });
    expect(listed.body.items).toEqual([]);
    const publicList = await gateway.get<{ items: Claim[] }>(
      `/public/shrinkflation?store=${storeSlug}&limit=100`,
    );
    expect(publicList.body.items).toEqual([]);

    // An admin confirms it: public, and every buyer is told.
    await gateway.post(`/shrinkflation/${claim?.id}/confirm`, {}, { token: admin.token, expect: 200 });
    await eventually('the other buyer’s alert after the confirmation', async () =>
      (await alertsOf(otherBuyer)).find((item) => item.kind === 'shrinkflation'),
    );
    // Another query string than above: the gateway's public cache keeps that answer a few seconds.
    const confirmed = await gateway.get<{ items: Claim[] }>(
      `/public/shrinkflation?store=${storeSlug}&limit=99`,
    );
    expect(confirmed.body.items.map((item) => item.id)).toEqual([claim?.id]);
    const afterReview = await gateway.get<{ items: Claim[] }>(`/shrinkflation?store=${storeSlug}`, {
      token: otherBuyer.token,
    });
    expect(afterReview.body.items.map((item) => item.id)).toEqual([claim?.id]);
  });
});
