/**
 * Issue #23 in Chromium on the whole platform, on a phone-sized touch screen: a shopper photographs a
 * paper receipt (a clean image of the OCR test set, bench/receipt-ocr/images), waits while it is read,
 * corrects a line on the review screen (checked with axe: no violations), confirms it, and the purchase
 * shows the corrected line. Bad input: a file that is not an image is refused with a plain message, and a
 * photo without a receipt says so and can be deleted. Each test has its own account and browser context.
 */

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import axe from 'axe-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Account, registerAccount } from '../../src/accounts.js';
import { launchChromium, screenshot, viewports } from '../../src/browser.js';
import { eventually } from '../../src/eventually.js';
import { GatewayClient } from '../../src/gateway-client.js';
import { sharedPlatform } from '../../src/shared-platform.js';

const platform = sharedPlatform();
const gateway = new GatewayClient(platform.url);
const suffix = randomBytes(3).toString('hex');
const storeSlug = `photo-mart-${suffix}`;
const storeName = `Photo Mart ${suffix}`;

const images = new URL('../../../../bench/receipt-ocr/images/', import.meta.url);
const receiptFile = '08-whole-foods.liberation-bold.clean.jpg';
const truth = JSON.parse(readFileSync(new URL('truth.json', images), 'utf8')) as Record<
  string,
  { lines: { name: string; paidCents: number }[] }
>;
/** OCR of one receipt takes a few seconds here, more while other tests load the machine. */
const OCR_TIMEOUT = 90_000;

let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  const admin = await eventually('the bootstrapped admin can log in', () =>
    gateway.loginAdmin(platform.admin),
  );
  await gateway.post(
    '/stores',
    { slug: storeSlug, name: storeName, ingestionMethods: ['text', 'json'] },
    { token: admin.token, expect: 201 },
  );
  browser = await launchChromium();
});

afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
});

/** A fresh phone: 390×844, touch, mobile user agent behaviour. */
async function phone(): Promise<Page> {
  const context = await browser.newContext({
    viewport: viewports.phone,
    isMobile: true,
    hasTouch: true,
    baseURL: platform.url,
  });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  return page;
}

async function signIn(page: Page, account: Account): Promise<void> {
  await page.goto('/sign-in');
  await page.getByLabel('E-mail').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

async function openImport(page: Page): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Import' }).click();
  await page.getByRole('heading', { level: 1, name: 'Import a receipt' }).waitFor();
}

/** Every axe violation (any impact) of the WCAG 2.x A/AA rules and best practices. */
async function axeViolations(page: Page) {
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.evaluate(axe.source);
  const results = await page.evaluate(() =>
    (globalThis as unknown as { axe: typeof axe }).axe.run({
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    }),
  );
  return results.violations.map((violation) => ({
    id: violation.id,
    impact: violation.impact,
    targets: violation.nodes.map((node) => node.target.join(' ')),
  }));
}

/** A photo of nothing: an even grey surface, as a PNG. */
function greyPhoto(): Buffer {
  const png = new PNG({ width: 800, height: 1000 });
  for (let i = 0; i < png.data.length; i += 4) {
    png.data[i] = 120;
    png.data[i + 1] = 130;
    png.data[i + 2] = 140;
    png.data[i + 3] = 255;
  }
  return PNG.sync.write(png);
}

const photoIdOf = (page: Page) => new URL(page.url()).pathname.split('/').at(-1) ?? '';

describe('receipts from photos, on a phone', () => {
  it('uploads a receipt photo, corrects a line on the review screen, and confirms it into a purchase', async () => {
    const page = await phone();
    const email = `photo-${suffix}@example.test`;
    const password = `pw-${randomBytes(12).toString('hex')}`;
    await page.goto('/sign-up');
    await page.getByLabel('Name').fill('Photo Shopper');
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    const login = await gateway.post<{ tokens: { accessToken: string } }>(
      '/auth/login',
      { email, password },
      { expect: 200 },
    );
    const token = login.body.tokens.accessToken;

    await openImport(page);
    const photoInput = page.getByLabel('Receipt photo');
    expect(await photoInput.getAttribute('capture')).toBe('environment');
    await photoInput.setInputFiles(fileURLToPath(new URL(receiptFile, images)));
    await page.getByRole('button', { name: 'Upload photo' }).click();
    await page.waitForURL(/\/app\/import\/photo\/[0-9a-f-]{36}$/);
    const photoId = photoIdOf(page);

    // The draft arrives once OCR is done; meanwhile the screen says it is reading.
    const lines = page.getByRole('list', { name: 'Lines' });
    await lines.waitFor({ timeout: OCR_TIMEOUT });
    const expected = truth[receiptFile]?.lines ?? [];
    const groups = lines.getByRole('group');
    expect(await groups.count()).toBe(expected.length);
    // The photo is fetched with the session (a blob URL) and is really shown.
    const photo = page.getByRole('img', { name: 'The receipt as photographed' });
    await photo.waitFor();
    await expect
      .poll(() => photo.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth), {
        timeout: 10_000,
      })
      .toBeGreaterThan(0);
    // Phone layout: the photo above the lines, both as wide as the screen allows.
    const photoBox = await page.getByRole('region', { name: 'Receipt photo', exact: true }).boundingBox();
    const linesBox = await lines.boundingBox();
    expect(photoBox && linesBox && photoBox.y + photoBox.height <= linesBox.y).toBe(true);
    expect(photoBox && photoBox.width > viewports.phone.width * 0.8).toBe(true);

    // Another account cannot see the draft.
    const other = await registerAccount(gateway, 'photo-other');
    await gateway.get(`/receipts/photo/${photoId}`, { token: other.token, expect: 404 });

    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'photo-review', 'phone');
    // Wider, the photo sits beside the lines; still no violations.
    await page.setViewportSize(viewports.desktop);
    const besideBox = await page.getByRole('region', { name: 'Receipt photo', exact: true }).boundingBox();
    const linesBeside = await lines.boundingBox();
    expect(besideBox && linesBeside && besideBox.x + besideBox.width <= linesBeside.x).toBe(true);
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'photo-review', 'desktop');
    await page.setViewportSize(viewports.phone);

    // Correct the first line: its name and its price.
    const corrected = `Corrected Milk ${suffix}`;
    const first = lines.getByRole('group', { name: /^Line 1\b/ });
    await first.getByLabel('Name').fill(corrected);
    await first.getByLabel('Unit price').fill('4.19');
    await first.getByLabel('Paid').fill('4.19');
    await page.getByLabel('Store').selectOption(storeSlug);
    await page.getByRole('button', { name: 'Confirm' }).click();

    await page.waitForURL(/\/app\/purchases\/[0-9a-f-]{36}$/);
    await page.getByRole('heading', { level: 1, name: 'Purchase' }).waitFor();
    const row = page.getByRole('row').filter({ hasText: corrected });
    await row.waitFor();
    expect(await row.textContent()).toContain('$4.19');
    expect(await page.getByRole('row').count()).toBe(expected.length + 1); // with the header row

    const purchaseId = new URL(page.url()).pathname.split('/').at(-1) ?? '';
    const purchase = await gateway.get<{
      source: string;
      storeSlug: string;
      items: { name: string; paidCents: number }[];
    }>(`/purchases/${purchaseId}`, { token });
    expect(purchase.body).toMatchObject({ source: 'photo', storeSlug });
    expect(purchase.body.items[0]).toMatchObject({ name: corrected, paidCents: 419 });
    // The other lines are what the receipt says (the OCR test set reads this image completely).
    expect(purchase.body.items.slice(1).map((item) => item.paidCents)).toEqual(
      expected.slice(1).map((line) => line.paidCents),
    );
    // Not kept: the photo is gone once the purchase is recorded.
    await gateway.get(`/receipts/photo/${photoId}/image`, { token, expect: 404 });
  });

  it('refuses a file that is not an image, and says when a photo shows no receipt', async () => {
    const page = await phone();
    const account = await registerAccount(gateway, 'photo-bad');
    await signIn(page, account);
    await openImport(page);
    expect(await axeViolations(page)).toEqual([]);

    const section = page.getByRole('region', { name: 'Photo of a paper receipt' });
    await section.getByLabel('Receipt photo').setInputFiles({
      name: 'shopping-list.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('milk, eggs, bread\n'),
    });
    await section.getByRole('button', { name: 'Upload photo' }).click();
    await section
      .getByRole('alert')
      .filter({ hasText: 'CartWatch cannot read this file as a photo' })
      .waitFor();
    expect(new URL(page.url()).pathname).toBe('/app/import');

    await section.getByLabel('Receipt photo').setInputFiles({
      name: 'table.png',
      mimeType: 'image/png',
      buffer: greyPhoto(),
    });
    await section.getByRole('button', { name: 'Upload photo' }).click();
    await page.waitForURL(/\/app\/import\/photo\/[0-9a-f-]{36}$/);
    const photoId = photoIdOf(page);
    await page.getByText('No receipt lines were found on this photo').waitFor({ timeout: OCR_TIMEOUT });
    expect(await axeViolations(page)).toEqual([]);

    await page.getByRole('button', { name: 'Delete and take another photo' }).click();
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Import a receipt' }).waitFor();
    await gateway.get(`/receipts/photo/${photoId}`, { token: account.token, expect: 404 });
  });
});
