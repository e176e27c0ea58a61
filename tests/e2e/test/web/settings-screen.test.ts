/**
 * Issue #22's settings screen in Chromium on the whole platform: a shopper signs in, opens Settings from
 * the navigation, renames themself, changes their e-mail with the code sent to the new address, and
 * deletes the account (after a wrong password, which keeps it); on the way it gets a new inbound address
 * (confirmed first) and sets a per-type minimum and quiet hours on the notifications screen. The screen is screenshotted at
 * phone and desktop widths and checked with axe-core; what it claims is checked through the API.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Account, registerAccount } from '../../src/accounts.js';
import { launchChromium, ScreenChecks, viewports } from '../../src/browser.js';
import { GatewayClient } from '../../src/gateway-client.js';
import { waitForCode } from '../../src/mailbox.js';
import { sharedPlatform } from '../../src/shared-platform.js';

const platform = sharedPlatform();
const gateway = new GatewayClient(platform.url);
const screens = new ScreenChecks();

let browser: Browser;
let context: BrowserContext;
let page: Page;
let shopper: Account;

const section = (name: string) => page.getByRole('region', { name });

/** Follows a link of the navigation's "More" menu, opening the menu unless it is open. */
async function openFromMore(name: string) {
  const nav = page.getByRole('navigation', { name: 'Main' });
  const link = nav.getByRole('link', { name, exact: true });
  if (!(await link.isVisible())) await nav.getByText('More', { exact: true }).click();
  await link.click();
}

beforeAll(async () => {
  shopper = await registerAccount(gateway, 'settings');
  browser = await launchChromium();
  context = await browser.newContext({ viewport: viewports.desktop, baseURL: platform.url });
  page = await context.newPage();
  page.setDefaultTimeout(30_000);
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
});

describe('settings screen', () => {
  it('changes the name and the e-mail, then deletes the account', async () => {
    await page.goto('/sign-in');
    await page.getByLabel('E-mail').fill(shopper.email);
    await page.getByLabel('Password').fill(shopper.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();

    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByText('More', { exact: true }).click();
    await nav.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
    await section('Receipts by e-mail').getByTestId('inbound-address').waitFor();
    await screens.check(page, 'settings');

    // A new inbound address, only once confirmed; the API answers the new one from then on.
    const inbound = section('Receipts by e-mail');
    const oldAddress = await inbound.getByTestId('inbound-address').textContent();
    await inbound.getByRole('button', { name: 'New address' }).click();
    await inbound.getByRole('group', { name: 'Confirm new address' }).waitFor();
    await screens.check(page, 'settings-new-address');
    await inbound.getByRole('button', { name: 'Yes, new address' }).click();
    await inbound.getByText('New address ready.').waitFor();
    const newAddress = await inbound.getByTestId('inbound-address').textContent();
    expect(newAddress).toMatch(/^receipts\+[0-9a-f]{24}@/);
    expect(newAddress).not.toBe(oldAddress);
    const { body: current } = await gateway.get<{ address: string }>('/me/inbound-address', {
      token: shopper.token,
    });
    expect(current.address).toBe(newAddress);

    // Notifications: a minimum for price drops and quiet hours, saved through the gateway.
    await openFromMore('Notifications');
    const types = page.getByRole('form', { name: 'Alert types' });
    await types.getByLabel('Price drop: minimum change in percent').fill('15');
    await types.getByRole('checkbox', { name: 'Coupon: E-mail' }).uncheck();
    await types.getByRole('button', { name: 'Save alert types' }).click();
    await types.getByText('Alert types saved.').waitFor();
    const quiet = page.getByRole('form', { name: 'Quiet hours' });
    await quiet.getByRole('checkbox', { name: /Hold messages/ }).check();
    await quiet.getByLabel('From').fill('21:30');
    await quiet.getByLabel('Until').fill('06:45');
    await quiet.getByLabel('Time zone').fill('Europe/Vienna');
    await quiet.getByRole('button', { name: 'Save quiet hours' }).click();
    await quiet.getByText('Quiet hours saved.').waitFor();
    await screens.check(page, 'notifications');
    const { body: preferences } = await gateway.get<{
      types: Record<string, { email: boolean; minChangePct: number | null }>;
      quietHours: unknown;
    }>('/me/notifications', { token: shopper.token });
    expect(preferences.types['price-drop']?.minChangePct).toBe(15);
    expect(preferences.types.coupon?.email).toBe(false);
    expect(preferences.quietHours).toEqual({ start: '21:30', end: '06:45', timeZone: 'Europe/Vienna' });
    await openFromMore('Settings');
    await section('Profile').waitFor();

    await section('Profile').getByLabel('Name').fill('Renamed Shopper');
    await section('Profile').getByRole('button', { name: 'Save name' }).click();
    await section('Profile').getByText('Saved.').waitFor();

    const newEmail = `moved-${shopper.email}`;
    const since = new Date();
    await section('E-mail').getByLabel('New e-mail').fill(newEmail);
    await section('E-mail').getByRole('button', { name: 'Send code' }).click();
    const code = await waitForCode(platform.mailCatcherUrl, newEmail, since);
    await section('E-mail').getByLabel('Code').fill(code);
    await section('E-mail').getByRole('button', { name: 'Confirm' }).click();
    await section('E-mail').getByText('E-mail changed.').waitFor();
    await screens.check(page, 'settings-after-changes');

    // Changing the e-mail ended every other session (the API's token too): sign in with the new address.
    await gateway.get('/auth/me', { token: shopper.token, expect: 401 });
    const moved = await gateway.post<{ user: { email: string; displayName: string } }>(
      '/auth/login',
      { email: newEmail, password: shopper.password },
      { expect: 200 },
    );
    expect(moved.body.user).toMatchObject({ email: newEmail, displayName: 'Renamed Shopper' });

    const danger = section('Delete account');
    await danger.getByLabel('Password').fill('not the password');
    await danger.getByRole('checkbox').check();
    await danger.getByRole('button', { name: 'Delete my account' }).click();
    await danger.getByText('password is wrong').waitFor();
    await gateway.post('/auth/login', { email: newEmail, password: shopper.password }, { expect: 200 });
    await danger.getByLabel('Password').fill(shopper.password);
    await danger.getByRole('button', { name: 'Delete my account' }).click();
    await page.waitForURL((url) => url.pathname === '/');

    await gateway.post('/auth/login', { email: newEmail, password: shopper.password }, { expect: 401 });
    expect(screens.findings).toEqual({});
  });
});
