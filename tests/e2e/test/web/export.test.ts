/**
 * Issue #22's "my data out" in Chromium on the whole platform, at phone and desktop widths with axe: a
 * shopper signs up, imports a text receipt in the app (and a JSON one and a list through the API),
 * exports the purchases CSV from the purchases screen with the current filter and the whole account
 * from Settings. Both downloads happen (Playwright's download event) and their contents are checked:
 * the CSV's rows, and the zip's entries with the data every service holds. The CSV imported into a
 * fresh account reproduces the purchases; another account gets 404 for the export.
 * Its steps build on each other (one page, one account), so they are one test, never tests that would
 * depend on running in order.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { strFromU8, unzipSync } from 'fflate';
import type { Browser, BrowserContext, Download, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, ScreenChecks, viewports } from '../../src/browser.js';
import { eventually } from '../../src/eventually.js';
import { GatewayClient, type Session } from '../../src/gateway-client.js';
import { sharedPlatform } from '../../src/shared-platform.js';

const platform = sharedPlatform();
const gateway = new GatewayClient(platform.url);
const screens = new ScreenChecks();
const suffix = randomBytes(3).toString('hex');
const storeSlug = `export-mart-${suffix}`;
const itemName = `Export Oats ${suffix}`;
const shopper = {
  email: `export-${suffix}@example.test`,
  password: `pw-${randomBytes(12).toString('hex')}`,
};

let browser: Browser;
let context: BrowserContext;
let page: Page;
let token: string;

/** `MM/DD/YYYY HH:MM` today (UTC), as the till prints it. */
function tillTime(hour: number): string {
  const now = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(now.getUTCMonth() + 1)}/${pad(now.getUTCDate())}/${now.getUTCFullYear()} ${pad(hour)}:05`;
}

const receiptText = [
  'EXPORT MART',
  '',
  `${itemName}              $4.29`,
  'Items in Transaction:1',
  'Balance to pay              $4.29',
  `${tillTime(8)} 187 04 3361 4521`,
  'THANK YOU',
].join('\n');

async function saved(download: Download): Promise<Buffer> {
  const path = await download.path();
  if (!path) throw new Error(`download ${download.suggestedFilename()} was not saved`);
  return readFile(path);
}

interface PurchaseDetail {
  storeSlug: string;
  purchasedAt: string;
  currency: string;
  totalCents: number;
  retailerReceiptId: string | null;
  items: Array<Record<string, unknown>>;
}

/** A user's purchases as the data an import must reproduce (no ids, source or matched products). */
async function purchasesOf(session: { token: string }) {
  const list = await gateway.get<{ items: { id: string }[] }>('/purchases?limit=100', {
    token: session.token,
  });
  const details = [];
  for (const { id } of list.body.items) {
    const { body } = await gateway.get<PurchaseDetail>(`/purchases/${id}`, { token: session.token });
    details.push({
      storeSlug: body.storeSlug,
      purchasedAt: body.purchasedAt,
      currency: body.currency,
      totalCents: body.totalCents,
      retailerReceiptId: body.retailerReceiptId,
      items: body.items.map(({ lineId: _l, productId: _p, ...line }) => line),
    });
  }
  return details;
}

beforeAll(async () => {
  const admin = await eventually('the bootstrapped admin can log in', () =>
    gateway.loginAdmin(platform.admin),
  );
  await gateway.post(
    '/stores',
    { slug: storeSlug, name: `Export Mart ${suffix}`, ingestionMethods: ['text', 'json', 'csv'] },
    { token: admin.token, expect: 201 },
  );
  browser = await launchChromium();
  context = await browser.newContext({
    viewport: viewports.desktop,
    baseURL: platform.url,
    acceptDownloads: true,
  });
  page = await context.newPage();
  page.setDefaultTimeout(30_000);
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
});

describe('my data out, in Chromium', () => {
  it('a shopper signs up, imports a receipt and exports the purchases CSV and the whole account', async () => {
    // signs up and imports a receipt in the app
    {
      await page.goto('/sign-up');
      await page.getByLabel('Name').fill('Export Shopper');
      await page.getByLabel('E-mail').fill(shopper.email);
      await page.getByLabel('Password').fill(shopper.password);
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.getByRole('button', { name: 'Sign out' }).waitFor();

      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Import' }).click();
      await page.getByLabel('Store').selectOption(storeSlug);
      await page.getByLabel('Receipt text').fill(receiptText);
      await page.getByRole('button', { name: 'Import' }).click();
      await page.getByText('Imported 1 receipt with 1 item.').waitFor();

      const login = await gateway.post<{ tokens: { accessToken: string } }>('/auth/login', shopper, {
        expect: 200,
      });
      token = login.body.tokens.accessToken;
      // A second purchase with what a text receipt cannot say (GTIN, weight, discount), and a list.
      await gateway.post(
        '/receipts',
        {
          storeSlug,
          purchasedAt: '2026-11-20T16:45:00Z',
          currency: 'USD',
          retailerReceiptId: `EXP-${suffix}`,
          items: [
            {
              name: 'Whole Milk, 1 gal',
              gtin: '0041220576463',
              brand: 'Dairy',
              unitPriceCents: 349,
              quantity: 2,
            },
            { name: 'Bananas', quantity: 1.254, unit: 'kg', unitPriceCents: 150, regularPriceCents: 180 },
          ],
        },
        { token, expect: 201 },
      );
      await gateway.post(
        '/shopping/lists',
        { name: `Weekly ${suffix}`, items: [{ text: 'Eggs', quantity: 2 }] },
        {
          token,
          expect: 201,
        },
      );
    }
    // exports the purchases CSV with the current filter from the purchases screen
    {
      await page.goto('/app/purchases');
      await page.getByRole('heading', { level: 1, name: 'Purchases' }).waitFor();
      await page
        .getByRole('link', { name: /2026|\d/ })
        .first()
        .waitFor();
      await screens.check(page, 'purchases-export');

      await page.getByLabel('Item name contains').fill('Bananas');
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.getByText('Purchases with “Bananas”').waitFor();
      const [filtered] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: 'Export CSV' }).click(),
      ]);
      expect(filtered.suggestedFilename()).toBe('purchases.csv');
      const rows = parse(await saved(filtered), { columns: true }) as Array<Record<string, string>>;
      expect(rows.map((row) => row.name)).toEqual(['Whole Milk, 1 gal', 'Bananas']);
      expect(rows[1]).toMatchObject({
        receipt_id: `EXP-${suffix}`,
        store: storeSlug,
        quantity: '1.254',
        unit: 'kg',
        unit_price: '1.50',
        regular_price: '1.80',
      });

      await page.getByLabel('Item name contains').fill('');
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.getByText('All your purchases').waitFor();
      const [all] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: 'Export CSV' }).click(),
      ]);
      const csv = await saved(all);
      const allRows = parse(csv, { columns: true }) as Array<Record<string, string>>;
      expect(allRows.map((row) => row.name).sort()).toEqual(
        ['Bananas', itemName, 'Whole Milk, 1 gal'].sort(),
      );

      // The file imported into a fresh account reproduces the purchases.
      const fresh = await gateway.registerUser('export-import');
      const imported = await fetch(`${platform.url}/receipts/csv`, {
        method: 'POST',
        headers: { authorization: `Bearer ${fresh.token}`, 'content-type': 'text/csv' },
        body: csv,
      });
      expect(imported.status).toBe(200);
      expect(await purchasesOf(fresh)).toEqual(await purchasesOf({ token }));
    }
    // downloads the whole account as a zip from Settings
    {
      await page.goto('/app/settings');
      const region = page.getByRole('region', { name: 'Your data' });
      const [created] = await Promise.all([
        page.waitForResponse(
          (response) => response.url().endsWith('/me/export') && response.request().method() === 'POST',
        ),
        region.getByRole('button', { name: 'Download all my data' }).click(),
      ]);
      expect(created.status()).toBe(202);
      const exportId = ((await created.json()) as { id: string }).id;
      await region.getByText(/Your data is ready/).waitFor({ timeout: 60_000 });
      await screens.check(page, 'settings-export');

      const [download] = await Promise.all([
        page.waitForEvent('download'),
        region.getByRole('button', { name: 'Download the zip' }).click(),
      ]);
      expect(download.suggestedFilename()).toMatch(/^cartwatch-export-\d{4}-\d{2}-\d{2}\.zip$/);
      const files = unzipSync(new Uint8Array(await saved(download)));
      expect(Object.keys(files).sort()).toEqual([
        'alerts.json',
        'coupons-clipped.json',
        'lists.json',
        'manifest.json',
        'orders.json',
        'profile.json',
        'purchases.csv',
        'purchases.json',
        'store-accounts.json',
        'watches.json',
      ]);
      const read = (name: string) => JSON.parse(strFromU8(files[name] as Uint8Array));
      expect(read('profile.json').profile).toMatchObject({
        email: shopper.email,
        displayName: 'Export Shopper',
      });
      expect(read('purchases.json')).toEqual(
        (await purchasesOf({ token })).map((purchase) =>
          expect.objectContaining({ ...purchase, items: expect.any(Array) }),
        ),
      );
      expect(read('lists.json')).toEqual([
        expect.objectContaining({
          name: `Weekly ${suffix}`,
          items: [expect.objectContaining({ text: 'Eggs', quantity: 2 })],
        }),
      ]);
      expect(read('orders.json')).toEqual([]);
      expect(read('store-accounts.json')).toEqual([]);
      const csvRows = parse(Buffer.from(files['purchases.csv'] as Uint8Array), { columns: true }) as Array<
        Record<string, string>
      >;
      expect(csvRows.map((row) => row.name).sort()).toEqual(
        ['Bananas', itemName, 'Whole Milk, 1 gal'].sort(),
      );

      // Another account cannot see or download it.
      const other: Session = await gateway.registerUser('export-other');
      await gateway.get(`/me/export/${exportId}`, { token: other.token, expect: 404 });
      await gateway.get(`/me/export/${exportId}/download`, { token: other.token, expect: 404 });
      expect(screens.findings).toEqual({});
    }
  }, 900_000);
});
