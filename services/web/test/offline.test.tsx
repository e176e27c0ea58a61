/**
 * Offline, the new screens say so and do what their data allows: settings and watch controls show what
 * was loaded with every change disabled; public pages show the copy they have with its date (the
 * gateway's Date header, as the service worker keeps it); what was never loaded says it waits for the
 * network instead of "Loading…" forever. The browser's connection is switched with navigator.onLine and
 * its online/offline events, as Chromium does (tests/e2e/test/web/sessions-watches-offline.test.ts).
 */
import { act, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { routes } from '../src/routes';
import { json, renderApp } from './fake-gateway';

function setOnline(online: boolean) {
  Object.defineProperty(navigator, 'onLine', { configurable: true, get: () => online });
  act(() => {
    window.dispatchEvent(new Event(online ? 'online' : 'offline'));
  });
}

afterEach(() => setOnline(true));

const SAVED = 'Mon, 30 Nov 2026 08:15:00 GMT';
const withDate = (body: unknown, date = SAVED) => {
  const response = json(200, body);
  response.headers.set('date', date);
  return response;
};
const notice = () => screen.findByText('You are offline.', { selector: 'strong' });

describe('offline', () => {
  it('settings: what was loaded stays, every form and button is disabled, and back online they work again', async () => {
    renderApp(
      '/app/settings',
      {
        'GET /me/inbound-address': () => json(200, { address: 'r-abc123@in.cartwatch.test' }),
        'GET /auth/sessions': () => json(200, { sessions: [] }),
      },
      'user',
    );
    await screen.findByTestId('inbound-address');
    const save = screen.getByRole('button', { name: 'Save name' }) as HTMLButtonElement;
    expect(save.disabled).toBe(false);
    expect(screen.queryByText('You are offline.')).toBeNull();

    setOnline(false);
    expect((await notice()).closest('[role="status"]')?.textContent).toContain(
      'changes can be made once you are back online',
    );
    // Every control sits in the disabled fieldset (happy-dom does not compute the inherited :disabled
    // state; Chromium's is checked in the e2e test).
    const group = save.closest('fieldset');
    expect(group?.disabled).toBe(true);
    const settings = screen.getByRole('region', { name: 'Settings' });
    const buttons = within(settings).getAllByRole('button');
    expect(buttons.length).toBeGreaterThanOrEqual(8);
    for (const button of buttons) expect(group?.contains(button)).toBe(true);
    expect(screen.getByTestId('inbound-address').textContent).toBe('r-abc123@in.cartwatch.test');

    setOnline(true);
    expect(screen.queryByText('You are offline.')).toBeNull();
    expect(group?.disabled).toBe(false);
  });

  it('watch controls are disabled offline with the reason given', async () => {
    renderApp(
      '/app/watches/0190a0b0-0000-7000-8000-0000000000a1',
      {
        'GET /watches/0190a0b0-0000-7000-8000-0000000000a1': () =>
          json(200, {
            id: '0190a0b0-0000-7000-8000-0000000000a1',
            productId: null,
            url: 'https://shop.example/beans',
            cssSelector: null,
            targetPriceCents: null,
            dropPct: 5,
            increasePct: null,
            backInStock: false,
            render: false,
            paused: false,
            checkIntervalMinutes: 360,
            lastPriceCents: null,
            lastCurrency: null,
            lastAvailable: null,
            lastCheckedAt: null,
            nextCheckAt: '2026-12-07T12:00:00.000Z',
            createdAt: '2026-12-07T06:00:00.000Z',
          }),
        'GET /watches/0190a0b0-0000-7000-8000-0000000000a1/runs': () =>
          json(200, { items: [], nextCursor: null }),
      },
      'user',
    );
    const pause = (await screen.findByRole('button', { name: 'Pause' })) as HTMLButtonElement;
    const interval = screen.getByLabelText('Check the page') as HTMLSelectElement;
    expect(pause.disabled || interval.disabled).toBe(false);
    setOnline(false);
    expect((await notice()).parentElement?.textContent).toContain('Pausing, resuming, checking');
    expect(pause.disabled).toBe(true);
    expect(interval.disabled).toBe(true);
    expect((screen.getByRole('button', { name: 'Check now' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('a public page shows its saved copy with the date it was saved', async () => {
    renderApp(routes.home, {
      'GET /public/inflation': () =>
        withDate({
          period: '2026-10',
          category: 'food-at-home',
          cpi: { seriesId: 'CUUR0000SAF11', value: 312.4, previousYearValue: 305.1, yoyPct: 2.4 },
          basket: { yoyPct: 3.1, productCount: 42, currency: 'USD' },
          method: 'Geometric mean.',
        }),
      // The older of the two copies is what the page is at least as old as.
      'GET /public/shrinkflation': () =>
        withDate({ items: [], nextCursor: null }, 'Sun, 29 Nov 2026 20:00:00 GMT'),
    });
    expect(await screen.findByText('+2.4 %')).toBeTruthy();
    await screen.findByText('No shrinking pack has been found yet.');
    setOnline(false);
    const line = (await notice()).parentElement?.textContent ?? '';
    const saved = new Date('2026-11-29T20:00:00Z').toLocaleString(undefined, {
      dateStyle: 'medium',
      timeStyle: 'short',
    });
    expect(line).toContain(`Showing the copy saved on this device on ${saved}.`);
    // The figures stay on screen.
    expect(screen.getByText('+2.4 %')).toBeTruthy();
  });

  it('what was never loaded says it waits for the network instead of loading for ever', async () => {
    setOnline(false);
    renderApp(
      '/app/watches',
      {
        'GET /watches': () => {
          throw new TypeError('Failed to fetch');
        },
      },
      'user',
    );
    expect(await screen.findByText('You are offline: this shows once you are back online.')).toBeTruthy();
    expect(screen.queryByText('Loading…')).toBeNull();
  });

  it('signing in offline says it needs the network, and a try fails at once with the reason', async () => {
    const user = userEvent.setup();
    setOnline(false);
    renderApp(routes.signIn, {
      'POST /auth/login': () => {
        throw new TypeError('Failed to fetch');
      },
    });
    expect((await notice()).parentElement?.textContent).toContain('Signing in needs the network');
    await user.type(screen.getByLabelText('E-mail'), 'ada@example.com');
    await user.type(screen.getByLabelText('Password'), 'correct horse battery');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect((await screen.findByRole('alert')).textContent).toContain('Could not reach CartWatch');
  });
});
