/**
 * Issue #12's admin screens in a real browser: Chromium (playwright-core) drives the web app the gateway
 * serves, on the whole platform. The bootstrapped admin signs in through the sign-in form and uses every
 * admin screen for real: publishes a coupon (after the API refuses an incomplete one field by field),
 * creates a store location and a catalog item and sets its stock and price, registers a cart whose key
 * then works against the device API, rotates and revokes it, saves a store layout with a category and the
 * new product placed, confirms a shrinkflation detection that receipts produced, dismisses a merge
 * candidate under Moderation and edits a product's category (with its history). A shopper sees no
 * admin link and is refused at /app/admin. Every screen is screenshotted at phone and desktop widths and
 * checked with axe-core (no serious or critical findings). Effects are checked through the API too.
 * Its steps build on each other (one page, one account), so they are one test, never tests that would
 * depend on running in order.
 */
import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, ScreenChecks, viewports } from '../../src/browser.js';
import { eventually } from '../../src/eventually.js';
import { GatewayClient, type Session } from '../../src/gateway-client.js';
import { gtinCheckDigit, randomGtin13 } from '../../src/gtin.js';
import { sharedPlatform } from '../../src/shared-platform.js';

const platform = sharedPlatform();
const gateway = new GatewayClient(platform.url);
const suffix = randomBytes(3).toString('hex');
const storeSlug = `admin-mart-${suffix}`;
const storeName = `Admin Mart ${suffix}`;
const locationName = `Admin Mart ${suffix} Uptown`;
/** Letters only, so product search sees one word. */
const token = Array.from(randomBytes(6), (byte) => String.fromCharCode(65 + (byte % 26))).join('');
const itemName = `Rye Bread ${token}`;
const itemGtin = randomGtin13();
const cerealName = `Crunchy Oat Cereal ${token}`;
const cerealGtin = randomGtin13();
const couponTitle = `Dairy deal ${token}`;
/** A unit and a case of it: GTIN-14s of one family (only the packaging indicator differs). */
const bitesName = `Oat Bites ${token}`;
const bitesCaseName = `Oat Bites ${token} case`;
const bitesGtin = randomGtin13();
const bitesCaseGtin = (() => {
  const body = `1${bitesGtin.slice(0, 12)}`;
  return `${body}${gtinCheckDigit(body)}`;
})();

let browser: Browser;
let shopperContext: BrowserContext;
let adminContext: BrowserContext;
let page: Page;
let admin: Session;
let locationId: string;
const screens = new ScreenChecks();

/**
 * Opens an admin screen from the admin sub-navigation and waits for its own heading: the router keeps
 * the previous screen on view while the new screen's chunk loads, so any heading would be too early.
 */
async function openAdminScreen(label: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: label }).click();
  await page.getByRole('heading', { level: 1, name: `${label} (admin)` }).waitFor();
}

async function chooseLocation(): Promise<void> {
  await page.getByLabel('Store location').selectOption({ label: `${locationName} (${storeSlug})` });
}

/** One receipt a month (UTC, the 5th) with the cereal at $3.99 in the given size: 16 oz, then 14.5 oz. */
function cerealReceipt(month: number, ounces: number) {
  return {
    storeSlug,
    purchasedAt: `2026-${String(month).padStart(2, '0')}-05T17:30:00Z`,
    currency: 'USD',
    items: [
      {
        name: cerealName,
        brand: 'Oatly Farms',
        category: 'cereal',
        gtin: cerealGtin,
        unitPriceCents: 399,
        size: { value: ounces, unit: 'oz' },
      },
    ],
  };
}

interface Detection {
  id: string;
  name: string;
  status: string;
  storeSlug: string;
}

beforeAll(async () => {
  browser = await launchChromium();
  admin = await eventually('the bootstrapped admin can log in', () => gateway.loginAdmin(platform.admin));
  await gateway.post(
    '/stores',
    { slug: storeSlug, name: storeName, ingestionMethods: ['json'] },
    { token: admin.token, expect: 201 },
  );
  // Receipts that shrinkflation will turn into a detection while the admin works through the screens.
  const buyer = await gateway.registerUser('admin-screens-buyer');
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
  // Two products of one GTIN family: a merge candidate for the moderation screen.
  await gateway.post(
    '/receipts',
    {
      storeSlug,
      purchasedAt: '2026-07-05T17:30:00Z',
      currency: 'USD',
      items: [
        {
          name: bitesName,
          brand: 'Mill',
          gtin: bitesGtin,
          unitPriceCents: 299,
          size: { value: 250, unit: 'g' },
        },
        {
          name: bitesCaseName,
          brand: 'Mill',
          gtin: bitesCaseGtin,
          unitPriceCents: 2999,
          size: { value: 3000, unit: 'g' },
        },
      ],
    },
    { token: buyer.token, expect: 201 },
  );
});

afterAll(async () => {
  await shopperContext?.close();
  await adminContext?.close();
  await browser?.close();
});

describe('admin screens in Chromium', () => {
  it('an admin signs in and works through every admin screen; a shopper is refused them; every screen checked with axe', async () => {
    // shows a shopper no admin link and a clear refusal at /app/admin
    {
      shopperContext = await browser.newContext({ viewport: viewports.desktop, baseURL: platform.url });
      const shopperPage = await shopperContext.newPage();
      shopperPage.setDefaultTimeout(30_000);
      await shopperPage.goto('/sign-up');
      await shopperPage.getByLabel('Name').fill('Not An Admin');
      await shopperPage.getByLabel('E-mail').fill(`not-admin-${suffix}@example.test`);
      await shopperPage.getByLabel('Password').fill(`pw-${randomBytes(12).toString('hex')}`);
      await shopperPage.getByRole('button', { name: 'Create account' }).click();
      await shopperPage.getByRole('button', { name: 'Sign out' }).waitFor();
      const nav = shopperPage.getByRole('navigation', { name: 'Main' });
      await nav.getByRole('link', { name: 'Orders' }).waitFor();
      expect(await nav.getByRole('link', { name: 'Admin' }).count()).toBe(0);

      await shopperPage.goto('/app/admin');
      await shopperPage.getByRole('heading', { name: 'Admins only' }).waitFor();
      expect(await shopperPage.getByRole('alert').textContent()).toContain(
        'Your account has no admin rights',
      );
      expect(await shopperPage.getByRole('navigation', { name: 'Admin' }).count()).toBe(0);
      await screens.check(shopperPage, 'admin-refused');
    }
    adminContext = await browser.newContext({ viewport: viewports.desktop, baseURL: platform.url });
    page = await adminContext.newPage();
    page.setDefaultTimeout(30_000);
    await page.goto('/sign-in');
    await page.getByLabel('E-mail').fill(platform.admin.email);
    await page.getByLabel('Password').fill(platform.admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).click();
    await page.getByRole('heading', { name: 'Admin', level: 1 }).waitFor();
    expect(await page.getByRole('region', { name: 'Admin' }).getByRole('link').count()).toBe(8);
    await screens.check(page, 'admin-home');
    // publishes a coupon after the API refuses an incomplete one field by field
    {
      await openAdminScreen('Coupons');
      await page.getByLabel('Title').fill(couponTitle);
      await page.getByLabel('Store', { exact: true }).selectOption({ label: storeName });
      await page.getByRole('button', { name: 'Publish coupon' }).click();
      const percent = page.getByLabel('Percent off');
      await page.getByText('required for a percent coupon').waitFor();
      expect(await percent.getAttribute('aria-invalid')).toBe('true');
      expect(await page.getByLabel('Category').getAttribute('aria-invalid')).toBe('true');
      await screens.check(page, 'admin-coupons-invalid');

      await percent.fill('15');
      await page.getByLabel('Category').fill('dairy');
      await page.getByRole('button', { name: 'Publish coupon' }).click();
      await page.getByText(`Published “${couponTitle}”.`).waitFor();
      // The list is oldest first and other files publish coupons too: narrow it to this store.
      await page.getByLabel('Valid at').selectOption({ label: storeName });
      await page.getByRole('row', { name: new RegExp(couponTitle) }).waitFor();
      expect(await page.getByRole('row', { name: new RegExp(couponTitle) }).textContent()).toContain(
        '15 % off',
      );
      await screens.check(page, 'admin-coupons');

      const { body } = await gateway.get<{
        items: { title: string; percentOff: number; storeSlug: string }[];
      }>(`/coupons?store=${storeSlug}`, { token: admin.token });
      // `?store=` also lists coupons valid at every store (other files publish some): find ours.
      const published = body.items.filter((coupon) => coupon.title === couponTitle);
      expect(published).toEqual([expect.objectContaining({ percentOff: 15, storeSlug })]);
    }
    // creates a store location, adds a catalog item by GTIN and sets its stock and price
    {
      await openAdminScreen('Catalog and stock');
      await page.getByText('Add a store location').click();
      await page.getByLabel('Retailer').selectOption({ label: storeName });
      await page.getByLabel('Location name').fill(locationName);
      await page.getByRole('button', { name: 'Add location' }).click();
      await page.getByRole('heading', { name: 'Add an item' }).waitFor();
      locationId = new URL(page.url()).searchParams.get('location') ?? '';
      expect(locationId).toMatch(/^[0-9a-f-]{36}$/);

      await page.getByLabel('GTIN').fill(itemGtin);
      await page.getByLabel('Name', { exact: true }).fill(itemName);
      await page.getByLabel('Price', { exact: true }).fill('2.49');
      await page.getByLabel('Units on hand').fill('5');
      await page.getByRole('button', { name: 'Add item' }).click();
      await page.getByText(`Added ${itemName}.`).waitFor();

      await page.getByRole('button', { name: `Edit ${itemName}` }).click();
      const editor = page.getByRole('region', { name: `Edit ${itemName}` });
      await editor.getByLabel('Units on hand').fill('12');
      await editor.getByRole('button', { name: 'Save stock' }).click();
      await editor.getByText('Saved: 12 units on hand, 12 available.').waitFor();
      await editor.getByLabel('New price').fill('2.99');
      await editor.getByRole('button', { name: 'Save price' }).click();
      await editor.getByText('Saved: $2.99, on sale.').waitFor();
      await page.getByRole('cell', { name: '$2.99' }).waitFor();
      await screens.check(page, 'admin-catalog');

      const { body } = await gateway.get<{ items: { gtin: string; priceCents: number; onHand: number }[] }>(
        `/catalog?location=${locationId}`,
        { token: admin.token },
      );
      expect(body.items).toEqual([expect.objectContaining({ priceCents: 299, onHand: 12 })]);
      expect(body.items[0]?.gtin).toMatch(new RegExp(`${itemGtin}$`));
    }
    // registers a cart whose key is shown once and works, rotates the key and revokes the cart
    {
      await openAdminScreen('Devices');
      await chooseLocation();
      await page.getByLabel('New cart name').fill(`Cart ${suffix}`);
      await page.getByRole('button', { name: 'Register cart' }).click();
      const panel = page.getByRole('region', { name: `Key for Cart ${suffix}` });
      await panel.waitFor();
      expect(await panel.textContent()).toContain("won't be shown again");
      const firstKey = (await panel.getByTestId('device-key').textContent()) ?? '';
      expect(firstKey).toMatch(/^cwd_/);
      await screens.check(page, 'admin-devices-key');

      // The key is the cart's credential: the device API accepts it.
      await gateway.post('/device/heartbeat', { firmwareVersion: '1.2.3' }, { token: firstKey, expect: 200 });

      await page.getByRole('button', { name: `Rotate key of Cart ${suffix}` }).click();
      await page
        .getByLabel(`Old key of Cart ${suffix} keeps working for`)
        .selectOption({ label: 'Stop at once' });
      await page.getByRole('button', { name: `Issue new key for Cart ${suffix}` }).click();
      const rotated = page.getByRole('region', { name: `New key for Cart ${suffix}` });
      await rotated.waitFor();
      const secondKey = (await rotated.getByTestId('device-key').textContent()) ?? '';
      expect(secondKey).toMatch(/^cwd_/);
      expect(secondKey).not.toBe(firstKey);
      expect(await page.getByText(firstKey).count()).toBe(0);
      await gateway.post('/device/heartbeat', {}, { token: secondKey, expect: 200 });
      await gateway.post('/device/heartbeat', {}, { token: firstKey, expect: 401 });
      await page.getByRole('cell', { name: '1.2.3' }).waitFor();

      await page.getByRole('button', { name: 'I have stored the key: hide it' }).click();
      await page.getByRole('button', { name: `Revoke Cart ${suffix}` }).click();
      await page.getByRole('button', { name: `Yes, revoke Cart ${suffix}` }).click();
      await page
        .getByTestId('device-status')
        .filter({ hasText: /^Revoked / })
        .waitFor();
      await screens.check(page, 'admin-devices');
      await gateway.post('/device/heartbeat', {}, { token: secondKey, expect: 401 });
    }
    // saves a store layout with an aisle, a category and the new product placed
    {
      await openAdminScreen('Store layouts');
      await chooseLocation();
      await page.getByText('This location has no layout yet').waitFor();
      await page.getByRole('button', { name: 'Add aisle' }).click();
      await page.getByLabel('Point 3 label').fill('Bakery');
      await page.getByLabel('Point 3 metres north').fill('6');
      await page.getByLabel('Category', { exact: true }).fill('bread');
      await page.getByRole('button', { name: 'Add category' }).click();
      await page.getByLabel('Product', { exact: true }).fill(token);
      await page.getByRole('button', { name: 'Find product' }).click();
      await page
        .getByRole('button', { name: new RegExp(`^Place at Bakery \\(aisle-1\\): ${itemName}`) })
        .click();
      await page.getByRole('cell', { name: itemName }).waitFor();
      await page.getByRole('button', { name: 'Save layout' }).click();
      await page.getByText('Saved version 1.').waitFor();
      await screens.check(page, 'admin-layouts');

      const { body } = await gateway.get<{
        version: number;
        nodes: { id: string; label?: string }[];
        edges: { from: string; to: string; distance: number }[];
        placements: { nodeId: string; category?: string; productId?: string }[];
      }>(`/store-layouts/${locationId}`, { token: admin.token });
      expect(body.version).toBe(1);
      expect(body.nodes.map((node) => node.id)).toEqual(['entrance', 'checkout', 'aisle-1']);
      expect(body.edges).toContainEqual({ from: 'checkout', to: 'aisle-1', distance: 11.7 });
      expect(body.placements).toHaveLength(2);
      expect(body.placements[0]).toEqual({ nodeId: 'aisle-1', category: 'bread' });
      expect(body.placements[1]).toMatchObject({ nodeId: 'aisle-1', productId: expect.any(String) });
    }
    // confirms a shrinkflation detection found in the receipts
    {
      const detection = await eventually(
        `a detection for ${cerealName}`,
        async () => {
          const { body } = await gateway.get<{ items: Detection[] }>(`/shrinkflation?store=${storeSlug}`, {
            token: admin.token,
          });
          return body.items.find((item) => item.name === cerealName);
        },
        { timeoutMs: 90_000 },
      );
      expect(detection.status).toBe('detected');
      await openAdminScreen('Shrinkflation review');
      const card = page.getByRole('article', { name: new RegExp(cerealName) });
      await card.waitFor();
      expect(await card.textContent()).toContain('+10.3 %');
      await card.getByRole('button', { name: 'Show evidence' }).click();
      await card.getByRole('table', { name: 'Before (old size, regular prices)' }).waitFor();
      await screens.check(page, 'admin-shrinkflation');
      await card.getByLabel('Review note (optional)').fill('Checked on the shelf');
      await card.getByRole('button', { name: `Confirm ${cerealName}` }).click();
      await page.getByText(`Confirmed: ${cerealName} at ${storeSlug}.`).waitFor();

      const { body } = await gateway.get<Detection>(`/shrinkflation/${detection.id}`, { token: admin.token });
      expect(body.status).toBe('confirmed');
    }
    // lists a pair of one GTIN family under Moderation and dismisses it as not duplicates
    {
      await eventually(
        `${bitesName} and its case as merge candidates`,
        async () => {
          const { body } = await gateway.get<{ items: Array<{ products: Array<{ name: string }> }> }>(
            '/products/merge-candidates?limit=200',
            { token: admin.token },
          );
          return body.items.find((item) => item.products.some((product) => product.name === bitesName));
        },
        { timeoutMs: 90_000 },
      );
      await openAdminScreen('Moderation');
      await page.getByRole('heading', { level: 2, name: 'Suspicious prices' }).waitFor();
      const pair = page.getByRole('article', { name: new RegExp(`${bitesName}.*/`) });
      await pair.waitFor();
      expect(await pair.textContent()).toContain('One GTIN family');
      await screens.check(page, 'admin-moderation');
      await pair.getByRole('button', { name: /^Not duplicates/ }).click();
      await page
        .getByRole('status')
        .filter({ hasText: /^Not duplicates: Oat Bites/ })
        .waitFor();
      await pair.waitFor({ state: 'detached' });

      const { body } = await gateway.get<{ items: Array<{ products: Array<{ name: string }> }> }>(
        '/products/merge-candidates?limit=200',
        { token: admin.token },
      );
      expect(body.items.some((item) => item.products.some((product) => product.name === bitesName))).toBe(
        false,
      );
    }
    // edits a product’s category and shows the change in its history
    {
      await openAdminScreen('Products');
      await page.getByLabel('Find a product').fill(cerealName);
      await page.getByRole('button', { name: 'Find product' }).click();
      await page.getByRole('button', { name: `Edit: ${cerealName} (Oatly Farms)` }).click();
      await page.getByRole('option', { name: 'bakery — cereals-bakery' }).waitFor({ state: 'attached' });
      await page.getByRole('combobox', { name: 'Category' }).selectOption('bakery');
      await page.getByRole('button', { name: 'Save product' }).click();
      await page.getByText(`Saved ${cerealName}.`).waitFor();
      const history = page.getByRole('table', { name: 'Changes of the product, newest first' });
      await history.getByRole('cell', { name: /^Admin edit/ }).waitFor();
      await screens.check(page, 'admin-products');

      const productId = new URL(page.url()).searchParams.get('product') as string;
      const { body } = await gateway.get<{
        items: Array<{ attribute: string; oldValue: string | null; newValue: string | null; cause: string }>;
      }>(`/products/${productId}/history`, { token: admin.token });
      expect(body.items[0]).toMatchObject({
        attribute: 'category',
        oldValue: 'cereal',
        newValue: 'bakery',
        cause: 'admin',
      });
    }
    expect(screens.findings).toEqual({});
  }, 900_000);
});
