/**
 * Issue #12 in a real browser: Chromium (playwright-core) drives the web app the gateway serves, on the
 * whole platform. A shopper registers, imports a text receipt, finds the product price-watch matched it
 * to, sees its price chart and watches it; a second, cheaper receipt raises an alert that arrives live;
 * they optimize a shopping list, fill a cart at a store location, check out and complete the payment at
 * the test provider, and see the order turn "Shipped" without reloading when an admin ships it through the API. Every main screen is
 * screenshotted at phone and desktop widths and checked with axe-core (no serious or critical findings).
 * The journey is one test whose steps build on each other (one page, one account), never steps split
 * into tests that would depend on running in order.
 */
import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, ScreenChecks, viewports } from '../../src/browser.js';
import { eventually } from '../../src/eventually.js';
import { GatewayClient, type Session } from '../../src/gateway-client.js';
import { sharedPlatform } from '../../src/shared-platform.js';

const platform = sharedPlatform();
const gateway = new GatewayClient(platform.url);
const suffix = randomBytes(3).toString('hex');
const storeSlug = `web-mart-${suffix}`;
/** Letters only, so the receipt parser and the product search see one word. */
const token = Array.from(randomBytes(6), (byte) => String.fromCharCode(65 + (byte % 26))).join('');
const itemName = `KIWI JAM ${token}`;

let browser: Browser;
let context: BrowserContext;
let page: Page;
let admin: Session;
let productId: string;
const screens = new ScreenChecks();

/** `MM/DD/YYYY HH:MM` today (UTC), as the till prints it. */
function tillTime(hour: number): string {
  const now = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(now.getUTCMonth() + 1)}/${pad(now.getUTCDate())}/${now.getUTCFullYear()} ${pad(hour)}:05`;
}

function receiptText(price: string, hour: number): string {
  return [
    'WEB MART',
    '12 Test Street',
    '',
    `${itemName}              $${price}`,
    'Items in Transaction:1',
    `Balance to pay              $${price}`,
    `Visa                        $${price}`,
    `${tillTime(hour)} 187 04 3361 4521`,
    'THANK YOU',
  ].join('\n');
}

async function importReceipt(text: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Import' }).click();
  await page.getByRole('heading', { level: 1 }).waitFor();
  await page.getByLabel('Store').selectOption(storeSlug);
  await page.getByLabel('Receipt text').fill(text);
  await page.getByRole('button', { name: 'Import' }).click();
  await page.getByText('Imported 1 receipt with 1 item.').waitFor();
}

beforeAll(async () => {
  browser = await launchChromium();
  context = await browser.newContext({ viewport: viewports.desktop, baseURL: platform.url });
  page = await context.newPage();
  page.setDefaultTimeout(30_000);
  admin = await eventually('the bootstrapped admin can log in', () => gateway.loginAdmin(platform.admin));
  await gateway.post(
    '/stores',
    { slug: storeSlug, name: `Web Mart ${suffix}`, ingestionMethods: ['text', 'json'] },
    { token: admin.token, expect: 201 },
  );
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
});

describe('the shopper journey in Chromium', () => {
  it('walks a shopper from the landing page to an order shipped live, every main screen checked with axe', async () => {
    await page.goto('/');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sign in' }).waitFor();
    await screens.check(page, 'landing');
    await page.goto('/sign-up');
    await page.getByRole('heading', { name: 'Create your account' }).waitFor();
    await screens.check(page, 'sign-up');
    await page.getByLabel('Name').fill('Web Shopper');
    await page.getByLabel('E-mail').fill(`web-${suffix}@example.test`);
    await page.getByLabel('Password').fill(`pw-${randomBytes(12).toString('hex')}`);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    await screens.check(page, 'dashboard');
    // imports a text receipt, which price-watch matches into a product
    {
      await importReceipt(receiptText('4.99', 9));
      await screens.check(page, 'import');
      const products = await eventually(`a product for ${itemName}`, async () => {
        const { body } = await gateway.get<{ items: { id: string; name: string }[] }>(
          `/products?q=${encodeURIComponent(token)}`,
          { token: admin.token },
        );
        if (body.items.length === 0) throw new Error(`no product matches ${token} yet`);
        return body.items;
      });
      expect(products).toHaveLength(1);
      productId = products[0]?.id ?? '';
    }
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Products' }).click();
    await page.getByLabel('Search products').fill(token);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: new RegExp(token, 'i') }).click();
    await page.getByRole('heading', { name: 'Price history' }).waitFor();
    await page.locator('canvas').first().waitFor();
    expect(await page.getByRole('cell', { name: '$4.99' }).count()).toBeGreaterThan(0);
    await screens.check(page, 'product');
    await page.getByRole('button', { name: 'Watch this product' }).click();
    await page.getByRole('button', { name: 'Watching' }).waitFor();
    // gets an alert live when a cheaper receipt comes in
    {
      await importReceipt(receiptText('3.49', 10));
      const toast = page.locator('.toast');
      await toast.waitFor({ timeout: 90_000 });
      expect(await toast.textContent()).toMatch(new RegExp(token, 'i'));
      await page
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: /Alerts/ })
        .click();
      await page
        .getByText(new RegExp(`${token}.*(below|dropped)`, 'i'))
        .first()
        .waitFor();
      await screens.check(page, 'alerts');
    }
    // optimizes a shopping list
    {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Lists' }).click();
      await page.getByLabel('New list').fill('Weekly');
      await page.getByRole('button', { name: 'Create list' }).click();
      await page.getByRole('link', { name: 'Weekly' }).click();
      await page.getByLabel('Item').fill(token);
      await page.getByRole('button', { name: 'Find product' }).click();
      await page.getByRole('button', { name: new RegExp(`^Add [^“]*${token}`, 'i') }).click();
      await page.getByRole('button', { name: 'Find the cheapest split' }).click();
      const plan = page.getByRole('heading', { name: /Cheapest plan/ });
      await plan.waitFor();
      expect(await page.getByRole('heading', { name: new RegExp(`^${storeSlug}:`) }).count()).toBe(1);
      await screens.check(page, 'list-plan');
    }
    // checks out at a store and sees the order shipped live
    {
      const { body: location } = await gateway.post<{ id: string }>(
        '/catalog/locations',
        { storeSlug, name: `Web Mart ${suffix} Downtown`, currency: 'USD' },
        { token: admin.token, expect: 201 },
      );
      await gateway.post(
        '/catalog/items',
        { locationId: location.id, productId, name: `Kiwi Jam ${token}`, priceCents: 399, onHand: 5 },
        { token: admin.token, expect: 201 },
      );
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Shop' }).click();
      await page.getByRole('link', { name: `Web Mart ${suffix} Downtown` }).click();
      await page.getByRole('button', { name: new RegExp(`^Add to cart\\W+Kiwi Jam ${token}$`) }).click();
      await page.getByText('Added.').waitFor();
      await screens.check(page, 'catalog');
      await page.getByRole('link', { name: 'Cart (1)' }).click();
      await page.getByRole('button', { name: 'Place order and pay $3.99' }).waitFor();
      await screens.check(page, 'cart');
      await page.getByRole('button', { name: 'Place order and pay $3.99' }).click();
      const status = page.getByTestId('order-status');
      // The order waits for the provider; the test provider's page is a button on the order screen.
      await status.filter({ hasText: 'Waiting for payment' }).waitFor();
      await screens.check(page, 'payment');
      await page.getByRole('button', { name: 'Complete test payment of $3.99' }).click();
      await status.filter({ hasText: 'Paid' }).waitFor();
      const orderId = new URL(page.url()).pathname.split('/').pop() ?? '';
      await screens.check(page, 'order');

      await gateway.call('PATCH', `/orders/${orderId}/status`, {
        token: admin.token,
        body: { status: 'SHIPPED' },
      });
      await status.filter({ hasText: 'Shipped' }).waitFor({ timeout: 60_000 });
      expect(await page.locator('.toast').textContent()).toContain('Your order is now shipped');
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Orders' }).click();
      await page.getByRole('cell', { name: 'Shipped' }).waitFor();
      await screens.check(page, 'orders');
    }
    expect(screens.findings).toEqual({});
  }, 600_000);
});
