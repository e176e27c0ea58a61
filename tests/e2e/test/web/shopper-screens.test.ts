/**
 * Issue #12's remaining shopper screens in Chromium, on the whole platform with data made through the
 * API: a shopper signs in; sees an admin-published coupon for a brand they bought ranked "for you" and
 * clips it; connects a store account and is told plainly that this server cannot sync it (no retailer
 * adapter: 422), then disconnects; pairs with an admin-registered cart by the code the cart shows (after a
 * wrong code); and opens the evidence of a shrinkflation detection their receipts caused. Every screen is
 * screenshotted at phone and desktop widths and checked with axe-core.
 * Its steps build on each other (one page, one account), so they are one test, never tests that would
 * depend on running in order.
 */
import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, ScreenChecks, viewports } from '../../src/browser.js';
import { eventually } from '../../src/eventually.js';
import { GatewayClient, type Session } from '../../src/gateway-client.js';
import { randomGtin13 } from '../../src/gtin.js';
import { sharedPlatform } from '../../src/shared-platform.js';

const platform = sharedPlatform();
const gateway = new GatewayClient(platform.url);
const suffix = randomBytes(3).toString('hex');
const storeSlug = `screen-mart-${suffix}`;
const storeName = `Screen Mart ${suffix}`;
const brand = `Oakfield ${suffix}`;
const cerealName = `Oat Crisps ${suffix}`;
const gtin = randomGtin13();
const shopper = {
  email: `screens-${suffix}@example.test`,
  password: `pw-${randomBytes(12).toString('hex')}`,
};

let browser: Browser;
let context: BrowserContext;
let page: Page;
let admin: Session;
let shopperToken: string;
let locationId: string;
let deviceKey: string;
const couponTitle = `${brand} cereal 75¢ off`;
let couponId: string;
const screens = new ScreenChecks();

const nav = () => page.getByRole('navigation', { name: 'Main' });

/** Opens the nav's "More" disclosure and follows one of its links. */
async function openFromMore(link: string): Promise<void> {
  await nav().getByText('More', { exact: true }).click();
  await nav().getByRole('link', { name: link }).click();
}

/** A receipt with the cereal at `ounces` and $3.99 (regular price), and milk for variety. */
function cerealReceipt(purchasedAt: string, ounces: number) {
  return {
    storeSlug,
    purchasedAt,
    currency: 'USD',
    items: [
      {
        name: cerealName,
        brand,
        category: 'cereal',
        gtin,
        unitPriceCents: 399,
        size: { value: ounces, unit: 'oz' },
      },
      {
        name: 'Whole Milk',
        brand: `Screens ${suffix}`,
        category: 'dairy',
        unitPriceCents: 349,
        size: { value: 1, unit: 'l' },
      },
    ],
  };
}

beforeAll(async () => {
  browser = await launchChromium();
  context = await browser.newContext({ viewport: viewports.desktop, baseURL: platform.url });
  page = await context.newPage();
  page.setDefaultTimeout(30_000);
  admin = await eventually('the bootstrapped admin can log in', () => gateway.loginAdmin(platform.admin));
  await gateway.post(
    '/stores',
    { slug: storeSlug, name: storeName, ingestionMethods: ['json', 'text', 'sync'] },
    { token: admin.token, expect: 201 },
  );
  const registered = await gateway.post<{ tokens: { accessToken: string } }>(
    '/auth/register',
    { ...shopper, displayName: 'Screen Shopper' },
    { expect: 201 },
  );
  shopperToken = registered.body.tokens.accessToken;

  // Three months at 16 oz, three at 14.5 oz for the same $3.99 (shrinkflation, +10.3 % per unit), and
  // one today, so the brand counts as recently bought for the coupon ranking.
  const months = [1, 2, 3, 4, 5, 6].map((month) => `2026-0${month}-05T17:30:00Z`);
  for (const [index, purchasedAt] of months.entries()) {
    await gateway.post('/receipts', cerealReceipt(purchasedAt, index < 3 ? 16 : 14.5), {
      token: shopperToken,
      expect: 201,
    });
  }
  await gateway.post('/receipts', cerealReceipt(new Date().toISOString(), 14.5), {
    token: shopperToken,
    expect: 201,
  });

  const validFrom = new Date(Date.now() - 86_400_000).toISOString();
  const coupon = await gateway.post<{ id: string }>(
    '/coupons',
    {
      storeSlug,
      scope: { kind: 'brand', brand },
      type: 'fixed',
      amountOffCents: 75,
      validFrom,
      requiresClip: true,
      title: couponTitle,
    },
    { token: admin.token, expect: 201 },
  );
  couponId = coupon.body.id;
  await gateway.post(
    '/coupons',
    {
      storeSlug,
      scope: { kind: 'category', category: `candles-${suffix}` },
      type: 'percent',
      percentOff: 10,
      validFrom,
      title: `Candles ${suffix} 10 % off`,
    },
    { token: admin.token, expect: 201 },
  );

  const location = await gateway.post<{ id: string }>(
    '/catalog/locations',
    { storeSlug, name: `${storeName} Riverside`, currency: 'USD' },
    { token: admin.token, expect: 201 },
  );
  locationId = location.body.id;
  const device = await gateway.post<{ key: { key: string } }>(
    '/devices',
    { locationId, name: 'Cart 3' },
    { token: admin.token, expect: 201 },
  );
  deviceKey = device.body.key.key;
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
});

describe('the shopper screens in Chromium', () => {
  it('a shopper signs in and uses coupons, store accounts, cart pairing, shrinkflation and the phone nav; every screen checked with axe', async () => {
    await page.goto('/sign-in');
    await page.getByLabel('E-mail').fill(shopper.email);
    await page.getByLabel('Password').fill(shopper.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    // ranks the coupon for a brand the shopper buys first, and clips it
    {
      await eventually('the brand coupon ranked for the shopper', async () => {
        const { body } = await gateway.get<{ items: { coupon: { id: string } }[] }>('/coupons/relevant', {
          token: shopperToken,
        });
        return body.items.some((item) => item.coupon.id === couponId) ? true : undefined;
      });
      await nav().getByRole('link', { name: 'Coupons' }).click();
      const forYou = page.getByRole('list', { name: 'Coupons for you' });
      await forYou.getByRole('heading', { name: couponTitle }).waitFor();
      expect(await forYou.getByText('Why for you: a brand you buy').count()).toBe(1);
      const others = page.getByRole('list', { name: 'Other coupons valid now' });
      await others.getByRole('heading', { name: `Candles ${suffix} 10 % off` }).waitFor();
      expect(await others.getByRole('heading', { name: couponTitle }).count()).toBe(0);

      await forYou.getByRole('button', { name: `Clip ${couponTitle}` }).click();
      await forYou.getByRole('button', { name: `Unclip ${couponTitle}` }).waitFor();
      const { body } = await gateway.get<{ clipped: boolean }>(`/coupons/${couponId}`, {
        token: shopperToken,
      });
      expect(body.clipped).toBe(true);
      await screens.check(page, 'coupons');
    }
    // connects a store account; sync now says the server cannot sync it; disconnects
    {
      await openFromMore('Store accounts');
      await page.getByRole('heading', { name: 'Store accounts', level: 1 }).waitFor();
      await page.getByRole('button', { name: `Connect ${storeName}` }).click();
      await page.getByLabel(`${storeName} user name or e-mail`).fill('screen.shopper');
      await page.getByLabel(`${storeName} password`).fill('store secret 1');
      await page.getByRole('button', { name: `Connect ${storeName}` }).click();
      const account = page.getByRole('region', { name: storeName });
      await account.getByTestId('account-status').filter({ hasText: 'Connected' }).waitFor();
      const accounts = await gateway.get<{ items: Record<string, unknown>[] }>('/me/stores', {
        token: shopperToken,
      });
      expect(accounts.body.items).toEqual([
        expect.objectContaining({ storeSlug, status: 'connected', lastSyncAt: null }),
      ]);
      expect(JSON.stringify(accounts.body)).not.toContain('store secret 1');

      await account.getByRole('button', { name: `Sync now ${storeName}` }).click();
      await account
        .getByRole('alert')
        .filter({ hasText: `This server cannot sync ${storeName} yet. Import its receipts instead.` })
        .waitFor();
      await screens.check(page, 'store-accounts');

      await account.getByRole('button', { name: `Disconnect ${storeName}` }).click();
      await page.getByText('No store connected yet.').waitFor();
      const after = await gateway.get<{ items: unknown[] }>('/me/stores', { token: shopperToken });
      expect(after.body.items).toEqual([]);
    }
    // pairs with a cart by the code it shows, after a wrong code
    {
      await openFromMore('Pair a cart');
      const field = page.getByLabel('Code shown on the cart');
      await field.fill('ZZZZ-2222');
      await page.getByRole('button', { name: 'Pair' }).click();
      await page.getByRole('alert').filter({ hasText: 'No cart shows that code' }).waitFor();
      await screens.check(page, 'pair-cart');

      const code = await gateway.post<{ code: string }>(
        '/device/pairing-code',
        {},
        { token: deviceKey, expect: 201 },
      );
      await field.fill(code.body.code.toLowerCase());
      await page.getByRole('button', { name: 'Pair' }).click();
      await page
        .getByTestId('paired-cart')
        .filter({ hasText: `at ${storeName} Riverside` })
        .waitFor();
      const { body } = await gateway.get<{ locationId: string }>('/devices/session', { token: shopperToken });
      expect(body.locationId).toBe(locationId);
      await screens.check(page, 'pair-cart-paired');
    }
    // lists the shrinkflation the receipts revealed and shows its evidence
    {
      const detection = await eventually(
        'the shrinkflation detection',
        async () => {
          const { body } = await gateway.get<{ items: { id: string; name: string }[] }>(
            `/shrinkflation?store=${storeSlug}`,
            { token: shopperToken },
          );
          return body.items[0];
        },
        { timeoutMs: 90_000 },
      );
      await openFromMore('Shrinkflation');
      await page.getByRole('heading', { name: 'Shrinkflation', level: 1 }).waitFor();
      await page.getByRole('link', { name: detection.name }).click();
      const comparison = page.getByRole('table', { name: 'Before and after the change' });
      await comparison.waitFor();
      const unitPrice = comparison.getByRole('row', { name: /^Unit price/ });
      expect(await unitPrice.getByRole('cell').allTextContents()).toEqual(['$0.88', '$0.97', '+10.3 %']);
      const size = comparison.getByRole('row', { name: /^Pack size/ });
      expect(await size.getByRole('cell').allTextContents()).toEqual(['453.6 g', '411.1 g', '-9.4 %']);
      expect(
        await page.getByRole('table', { name: 'Regular prices of the old size' }).getByRole('row').count(),
      ).toBe(4);
      expect(new URL(page.url()).pathname).toBe(`/app/shrinkflation/${detection.id}`);
      await screens.check(page, 'shrinkflation-evidence');
      await page.getByRole('link', { name: 'All shrinkflation' }).click();
      await page.getByRole('link', { name: detection.name }).waitFor();
      await screens.check(page, 'shrinkflation');
    }
    // keeps the nav usable on a phone, with the More links behind a disclosure
    {
      await page.setViewportSize(viewports.phone);
      const navBox = await nav().boundingBox();
      await nav().getByText('More', { exact: true }).click();
      await nav().getByRole('link', { name: 'Store accounts' }).waitFor();
      await screens.check(page, 'nav-more', ['phone']);
      // Closed, the whole signed-in nav fits in a third of a phone screen.
      expect(navBox?.height ?? Number.POSITIVE_INFINITY).toBeLessThan(viewports.phone.height / 3);
    }
    expect(screens.findings).toEqual({});
  }, 900_000);
});
