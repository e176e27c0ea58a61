/**
 * Issue #22's camera scanning in Chromium on the whole platform. Chromium's fake camera plays a video of
 * a real EAN-13 symbol (drawn by zxing-cpp's encoder); the shopper opens a store's catalog, scans, and
 * the scanned item is found and added to the cart. In a second browser context the camera is refused:
 * the scanner says so, and a photo of a UPC-A symbol chosen instead finds the second item. The scanner is checked with axe at phone and desktop widths;
 * the cart is checked through the API.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Account, registerAccount } from '../../src/accounts.js';
import { barcodePng, writeCameraVideo } from '../../src/barcode-images.js';
import { launchChromium, ScreenChecks, viewports } from '../../src/browser.js';
import { eventually } from '../../src/eventually.js';
import { GatewayClient } from '../../src/gateway-client.js';
import { gtinCheckDigit, randomGtin13 } from '../../src/gtin.js';
import { sharedPlatform } from '../../src/shared-platform.js';

const platform = sharedPlatform();
const gateway = new GatewayClient(platform.url);
const screens = new ScreenChecks();
const suffix = randomBytes(3).toString('hex');
const ean13 = randomGtin13();
const upcBody = `2${String(Number.parseInt(randomBytes(4).toString('hex'), 16) % 10_000_000_000).padStart(10, '0')}`;
const upcA = `${upcBody}${gtinCheckDigit(upcBody)}`;

let directory: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let refusedContext: BrowserContext;
let shopper: Account;
let locationId: string;

beforeAll(async () => {
  const admin = await eventually('the bootstrapped admin can log in', () =>
    gateway.loginAdmin(platform.admin),
  );
  const storeSlug = `scan-mart-${suffix}`;
  await gateway.post(
    '/stores',
    { slug: storeSlug, name: `Scan Mart ${suffix}`, ingestionMethods: ['json'] },
    { token: admin.token, expect: 201 },
  );
  const location = await gateway.post<{ id: string }>(
    '/catalog/locations',
    { storeSlug, name: `Scan Mart ${suffix} Downtown`, currency: 'USD' },
    { token: admin.token, expect: 201 },
  );
  locationId = location.body.id;
  for (const [gtin, name] of [
    [ean13, `Scanned Oats ${suffix}`],
    [upcA, `Photographed Tea ${suffix}`],
    [randomGtin13(), `Unscanned Rice ${suffix}`],
  ] as const) {
    await gateway.post(
      '/catalog/items',
      { locationId, gtin, name, brand: 'Scanco', priceCents: 299, onHand: 10 },
      { token: admin.token, expect: 201 },
    );
  }
  shopper = await registerAccount(gateway, 'scanner');

  directory = await mkdtemp(path.join(os.tmpdir(), 'cartwatch-scan-'));
  const video = path.join(directory, 'ean13.y4m');
  await writeCameraVideo(await barcodePng(ean13, 'EAN13'), video);
  await writeFile(path.join(directory, 'upc-a.png'), await barcodePng(upcA, 'UPCA'));
  browser = await launchChromium([
    '--use-fake-device-for-media-stream',
    `--use-file-for-fake-video-capture=${video}`,
  ]);
  context = await browser.newContext({ viewport: viewports.desktop, baseURL: platform.url });
  await context.grantPermissions(['camera']);
  page = await context.newPage();
  page.setDefaultTimeout(30_000);
  // No camera permission granted here: headless Chromium refuses getUserMedia.
  refusedContext = await browser.newContext({ viewport: viewports.phone, baseURL: platform.url });
});

async function signInAndOpenStore(tab: Page): Promise<void> {
  await tab.goto('/sign-in');
  await tab.getByLabel('E-mail').fill(shopper.email);
  await tab.getByLabel('Password').fill(shopper.password);
  await tab.getByRole('button', { name: 'Sign in' }).click();
  await tab.getByRole('button', { name: 'Sign out' }).waitFor();
  await tab.goto(`/app/shop/${locationId}`);
  await tab.getByRole('link', { name: `Unscanned Rice ${suffix}` }).waitFor();
}

/** The shopper's cart at the store, as `[gtin, quantity]` lines (each test adds its own item to it). */
async function cartLines(): Promise<Array<[string | null, number]>> {
  const cart = await gateway.get<{ items: { gtin: string | null; quantity: number }[] }>(
    `/cart?location=${locationId}`,
    { token: shopper.token, expect: 200 },
  );
  return cart.body.items.map((item) => [item.gtin, item.quantity]);
}

afterAll(async () => {
  await context?.close();
  await refusedContext?.close();
  await browser?.close();
  if (directory) await rm(directory, { recursive: true, force: true });
});

describe('scanning barcodes with the camera', () => {
  it('reads the EAN-13 the camera shows, finds that item alone and adds it to the cart', async () => {
    await signInAndOpenStore(page);
    await page.getByRole('button', { name: 'Scan a barcode' }).click();
    const scanner = page.getByRole('region', { name: 'Scan a barcode' });
    await scanner.waitFor();
    expect(await screens.check(page, 'barcode-scanner')).toEqual({});
    // The fake camera shows the EAN-13 symbol: the scanner reads it, closes and searches for it.
    await scanner.waitFor({ state: 'detached' });
    expect(await page.getByLabel('Search the catalog').inputValue()).toBe(ean13);
    await page.getByRole('link', { name: `Scanned Oats ${suffix}` }).waitFor();
    expect(await page.getByRole('table').getByRole('row').count()).toBe(2); // the header and that item
    await page.getByRole('button', { name: new RegExp(`Add to cart.*Scanned Oats ${suffix}`) }).click();
    await page.getByText('Added.').waitFor();
    expect(await cartLines()).toContainEqual([ean13, 1]);
  });

  it('says when the camera is refused, and reads a UPC-A from a photo instead', async () => {
    const tab = await refusedContext.newPage();
    tab.setDefaultTimeout(30_000);
    await signInAndOpenStore(tab);
    await tab.getByRole('button', { name: 'Scan a barcode' }).click();
    const scanner = tab.getByRole('region', { name: 'Scan a barcode' });
    await scanner.getByText('Camera access was refused', { exact: false }).waitFor();
    expect(await screens.check(tab, 'barcode-scanner-refused', ['phone'])).toEqual({});
    await scanner
      .getByLabel('Or choose a photo of the barcode')
      .setInputFiles(path.join(directory, 'upc-a.png'));
    await scanner.waitFor({ state: 'detached' });
    // zxing reports a UPC-A symbol in its EAN-13 form; the catalog matches every form of a GTIN.
    expect(await tab.getByLabel('Search the catalog').inputValue()).toBe(`0${upcA}`);
    // The search for it replaces the list: the other item leaves, then the one it found is listed (the
    // table is not there while the search runs, so count its rows only once the item is in it).
    await tab.getByRole('link', { name: `Unscanned Rice ${suffix}` }).waitFor({ state: 'detached' });
    await tab.getByRole('link', { name: `Photographed Tea ${suffix}` }).waitFor();
    expect(await tab.getByRole('table').getByRole('row').count()).toBe(2);
    await tab.getByRole('button', { name: new RegExp(`Add to cart.*Photographed Tea ${suffix}`) }).click();
    await tab.getByText('Added.').waitFor();

    expect(await cartLines()).toContainEqual([upcA, 1]);
  });
});
