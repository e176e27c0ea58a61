/**
 * Issue #22 in Chromium on the whole platform, for what its other browser tests leave out: a shopper's
 * watch controls (pause, resume, the check interval; kept after a reload and as the API answers), the
 * active sessions in Settings (another device signed out, then everywhere) and the offline notices
 * (`context.setOffline(true)`): settings and watch controls keep what was loaded with every change
 * disabled, and the landing page and the store comparison, loaded once online, come back offline from
 * the service worker's copy with its date. Each screen is screenshotted at 390x844 and 1280x800 and
 * checked with axe-core (no serious or critical findings).
 * Its steps build on each other (one page, one account), so they are one test, never tests that would
 * depend on running in order.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Account, registerAccount } from '../../src/accounts.js';
import { launchChromium, ScreenChecks, viewports } from '../../src/browser.js';
import { GatewayClient } from '../../src/gateway-client.js';
import { sharedPlatform } from '../../src/shared-platform.js';

const platform = sharedPlatform();
const gateway = new GatewayClient(platform.url);
const screens = new ScreenChecks();

interface Watch {
  id: string;
  paused: boolean;
  checkIntervalMinutes: number | null;
}

interface ListedSession {
  id: string;
  device: string;
  current: boolean;
}

let browser: Browser;
let context: BrowserContext;
let page: Page;
let shopper: Account;
let watchId: string;

const section = (name: string) => page.getByRole('region', { name });
/** The offline notice of a screen (a status line that appears while offline). */
const offlineNotice = (on: Page) => on.getByRole('status').filter({ hasText: 'You are offline.' });
const watchOf = async (token: string) =>
  (await gateway.get<Watch>(`/watches/${watchId}`, { token, expect: 200 })).body;

beforeAll(async () => {
  // The account's first session is this API client's (its user agent is "node").
  shopper = await registerAccount(gateway, 'sessions');
  const { body } = await gateway.post<Watch>(
    '/watches',
    { url: `${platform.fixtureOrigin}/products/sessions-${shopper.userId}`, checkIntervalMinutes: 360 },
    { token: shopper.token, expect: 201 },
  );
  watchId = body.id;
  browser = await launchChromium();
  context = await browser.newContext({ viewport: viewports.desktop, baseURL: platform.url });
  page = await context.newPage();
  page.setDefaultTimeout(30_000);
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
});

describe('a signed-in shopper', () => {
  it('pauses and retunes a watch, works offline, and ends its other sessions, then its own', async () => {
    // pauses and resumes a watch and changes its interval; the API and a reload agree
    {
      await page.goto('/sign-in');
      await page.getByLabel('E-mail').fill(shopper.email);
      await page.getByLabel('Password').fill(shopper.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('button', { name: 'Sign out' }).waitFor();

      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Watches' }).click();
      await page.getByRole('heading', { level: 1, name: 'Watches' }).waitFor();
      await page.getByRole('link', { name: /sessions-/ }).click();
      const interval = page.getByLabel('Check the page');
      await interval.waitFor();
      expect(await interval.inputValue()).toBe('360');
      await screens.check(page, 'watch-controls');

      await page.getByRole('button', { name: 'Pause' }).click();
      await page.getByText('Paused: not checked and no alerts until you resume it.').waitFor();
      expect(await page.getByRole('button', { name: 'Check now' }).isDisabled()).toBe(true);
      expect((await watchOf(shopper.token)).paused).toBe(true);
      await screens.check(page, 'watch-controls-paused');

      await page.getByRole('button', { name: 'Resume' }).click();
      await page.getByRole('button', { name: 'Pause' }).waitFor();
      expect((await watchOf(shopper.token)).paused).toBe(false);

      const saved = page.waitForResponse(
        (response) =>
          response.url().endsWith(`/watches/${watchId}`) && response.request().method() === 'PATCH',
      );
      await interval.selectOption('1440');
      expect((await saved).status()).toBe(200);
      await page.reload();
      await page.getByLabel('Check the page').waitFor();
      expect(await page.getByLabel('Check the page').inputValue()).toBe('1440');
      await page.getByRole('button', { name: 'Pause' }).waitFor();
      expect(await watchOf(shopper.token)).toMatchObject({ paused: false, checkIntervalMinutes: 1440 });
      expect(screens.findings).toEqual({});
    }
    await context.setOffline(true);
    expect(await offlineNotice(page).textContent()).toBe(
      'You are offline. Pausing, resuming, checking and the check interval work once you are back online.',
    );
    expect(await page.getByRole('button', { name: 'Pause' }).isDisabled()).toBe(true);
    expect(await page.getByLabel('Check the page').isDisabled()).toBe(true);
    await screens.check(page, 'watch-controls-offline');
    await context.setOffline(false);
    await offlineNotice(page).waitFor({ state: 'detached' });
    expect(await page.getByRole('button', { name: 'Pause' }).isEnabled()).toBe(true);
    expect(screens.findings).toEqual({});
    // sees its sessions in Settings, signs the other device out, and is told when offline
    {
      const nav = page.getByRole('navigation', { name: 'Main' });
      await nav.getByText('More', { exact: true }).click();
      await nav.getByRole('link', { name: 'Settings' }).click();
      const devices = section('Sessions').getByRole('list', { name: 'Signed-in devices' });
      await devices.getByRole('listitem').nth(1).waitFor();
      const items = devices.getByRole('listitem');
      expect(await items.count()).toBe(2);
      // This browser first, marked, with a label from its user agent; then the API client.
      expect(await items.nth(0).textContent()).toMatch(/^Chrome \d+ on Linux \(desktop\) \(this device\)/);
      expect(await items.nth(1).locator('strong').textContent()).toBe('node');
      await screens.check(page, 'settings-sessions');

      await context.setOffline(true);
      expect(await offlineNotice(page).textContent()).toContain(
        'changes can be made once you are back online',
      );
      expect(await section('Profile').getByRole('button', { name: 'Save name' }).isDisabled()).toBe(true);
      expect(await items.nth(1).getByRole('button', { name: 'Sign out' }).isDisabled()).toBe(true);
      expect(
        await section('Sessions').getByRole('button', { name: 'Sign out everywhere' }).isDisabled(),
      ).toBe(true);
      await screens.check(page, 'settings-offline');
      await context.setOffline(false);
      await offlineNotice(page).waitFor({ state: 'detached' });

      await items.nth(1).getByRole('button', { name: 'Sign out' }).click();
      await items.nth(1).waitFor({ state: 'detached' });
      expect(await items.count()).toBe(1);
      // The API client's session ended: its token is refused at once.
      await gateway.get('/auth/me', { token: shopper.token, expect: 401 });
      expect(screens.findings).toEqual({});
    }
    // "Sign out everywhere" ends this browser\'s session too
    {
      await section('Sessions').getByRole('button', { name: 'Sign out everywhere' }).click();
      await page.getByRole('heading', { level: 1, name: /sign in/i }).waitFor();
      const fresh = await gateway.post<{ tokens: { accessToken: string } }>(
        '/auth/login',
        { email: shopper.email, password: shopper.password },
        { expect: 200 },
      );
      const { body } = await gateway.get<{ sessions: ListedSession[] }>('/auth/sessions', {
        token: fresh.body.tokens.accessToken,
        expect: 200,
      });
      // Only the sign-in just made is left: the browser's session ended with the others.
      expect(body.sessions).toEqual([expect.objectContaining({ current: true, device: 'node' })]);
    }
  }, 900_000);
});

describe('public pages offline', () => {
  it('the landing page and the store comparison come back from the saved copy, with its date', async () => {
    const visitor = await browser.newContext({ viewport: viewports.desktop, baseURL: platform.url });
    const tab = await visitor.newPage();
    tab.setDefaultTimeout(30_000);
    try {
      await tab.goto('/');
      // The service worker installs and activates; it controls the pages loaded after that (the
      // reload), and from then on keeps the /public/* answers they ask for.
      const swState = `(async () => {
        await navigator.serviceWorker.ready;
        return Boolean(navigator.serviceWorker.controller);
      })()`;
      await tab.evaluate(swState);
      await tab.reload();
      expect(await tab.evaluate(swState)).toBe(true);
      const inflation = tab.getByRole('region', { name: 'Food inflation' });
      await inflation.locator('dl').or(inflation.getByText('No official price index')).waitFor();
      await tab
        .getByRole('region', { name: 'Shrinkflation' })
        .getByRole('link', { name: 'Compare stores' })
        .click();
      await tab.getByRole('heading', { level: 1, name: 'Compare stores' }).waitFor();
      await tab
        .getByRole('group', { name: /Products to compare/ })
        .or(tab.getByText('Nothing here yet.'))
        .waitFor();

      await visitor.setOffline(true);
      await tab.goto('/');
      // Until the saved copies are read the line says only what was saved can be shown; then their date.
      const withDate = (on: Page) =>
        offlineNotice(on).filter({ hasText: /Showing the copy saved on this device on / });
      await withDate(tab).waitFor();
      expect(await withDate(tab).textContent()).toMatch(
        /^You are offline\. Showing the copy saved on this device on .+\. Links to other pages work/,
      );
      expect(await tab.getByRole('region', { name: 'Food inflation' }).textContent()).not.toContain(
        'Could not reach CartWatch',
      );
      await screens.check(tab, 'public-landing-offline');

      await tab
        .getByRole('region', { name: 'Shrinkflation' })
        .getByRole('link', { name: 'Compare stores' })
        .click();
      await tab.getByRole('heading', { level: 1, name: 'Compare stores' }).waitFor();
      const comparisonNotice = withDate(tab);
      await comparisonNotice.waitFor();
      expect(await tab.getByText('Could not reach CartWatch').count()).toBe(0);
      await screens.check(tab, 'public-store-comparison-offline');
      // The date shown is when the copy was saved: today, as the browser writes dates.
      const shown = (await comparisonNotice.textContent())?.match(/saved on this device on (.+?)\. /)?.[1];
      const today = await tab.evaluate(() =>
        new Date().toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' }),
      );
      expect(shown?.startsWith(today)).toBe(true);
    } finally {
      await visitor.close();
    }
    expect(screens.findings).toEqual({});
  });
});
