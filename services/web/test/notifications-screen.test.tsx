/** The notifications screen over a fake gateway and a fake browser push: channels, push on and off, deliveries. */
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { components } from '../src/api/schema';
import type { PushPlatform, PushSubscriptionJson } from '../src/notifications/push';
import { describeDelivery } from '../src/screens/notifications';
import { apiError, json, renderApp, validationFailed } from './fake-gateway';

type Delivery = components['schemas']['NotificationDelivery'];

const delivery = (overrides: Partial<Delivery>): Delivery => ({
  id: '0190a0b0-0000-7000-8000-0000000000d1',
  kind: 'alert',
  channel: 'email',
  title: 'Butter is cheaper',
  status: 'sent',
  attempts: 1,
  lastError: null,
  createdAt: '2026-12-07T10:00:00Z',
  sentAt: '2026-12-07T10:00:02Z',
  ...overrides,
});

const allOn = { email: true, sms: true, webhook: true, push: true, minChangePct: null };
const preferences = {
  email: true,
  sms: false,
  push: false,
  webhookUrl: null,
  types: {
    'price-drop': allOn,
    'target-price': allOn,
    'price-increase': allOn,
    shrinkflation: allOn,
    coupon: allOn,
    watch: allOn,
  },
  quietHours: null,
};

/** A browser whose permission prompt answers `answer`; records what it was asked. */
function fakePush(answer: NotificationPermission) {
  let permission: NotificationPermission = 'default';
  let subscription: PushSubscriptionJson | null = null;
  const keys: string[] = [];
  const platform: PushPlatform = {
    supported: true,
    permission: () => permission,
    async requestPermission() {
      permission = answer;
      return answer;
    },
    async current() {
      return subscription;
    },
    async subscribe(key) {
      keys.push(key);
      subscription = {
        endpoint: 'https://push.example.com/browser-1',
        expirationTime: null,
        keys: { p256dh: 'B'.repeat(87), auth: 'A'.repeat(22) },
      };
      return subscription;
    },
    async unsubscribe() {
      const endpoint = subscription?.endpoint ?? null;
      subscription = null;
      return endpoint;
    },
  };
  return { platform, keys, subscribed: () => subscription !== null };
}

describe('notifications screen', () => {
  it('lists recent deliveries with what failed and why', async () => {
    renderApp(
      '/app/notifications',
      {
        'GET /me/notifications': () => json(200, preferences),
        'GET /me/notifications/deliveries': () =>
          json(200, {
            items: [
              delivery({
                channel: 'webhook',
                status: 'failed',
                attempts: 2,
                lastError: 'the webhook answered 404',
                sentAt: null,
              }),
              delivery({ id: '0190a0b0-0000-7000-8000-0000000000d2' }),
            ],
            nextCursor: null,
          }),
      },
      'user',
    );
    const rows = await screen.findAllByTestId('delivery');
    expect(
      rows.map((row) =>
        within(row)
          .getAllByRole('cell')
          .slice(1, 3)
          .map((cell) => cell.textContent),
      ),
    ).toEqual([
      ['Butter is cheaper', 'Webhook'],
      ['Butter is cheaper', 'E-mail'],
    ]);
    expect(rows[0]?.textContent).toContain('Failed after 2 attempts: the webhook answered 404');
    expect(
      describeDelivery(delivery({ status: 'pending', attempts: 1, lastError: 'the webhook answered 503' })),
    ).toBe('Pending, retrying after 1 attempt: the webhook answered 503');
  });

  it('saves the channels and shows a refused webhook beside its field', async () => {
    const user = userEvent.setup();
    let puts = 0;
    const { sent } = renderApp(
      '/app/notifications',
      {
        'GET /me/notifications': () => json(200, preferences),
        'GET /me/notifications/deliveries': () => json(200, { items: [], nextCursor: null }),
        'PUT /me/notifications': async (request) => {
          puts += 1;
          if (puts === 1) return apiError(422, 'UNPROCESSABLE', 'webhook URL must point to a public address');
          return json(200, { ...preferences, ...((await request.json()) as object) });
        },
      },
      'user',
    );
    const sms = await screen.findByRole('checkbox', { name: /SMS alerts/ });
    // No verified phone: SMS cannot be chosen.
    expect((sms as HTMLInputElement).disabled).toBe(true);
    await user.click(screen.getByRole('checkbox', { name: /E-mail alerts/ }));
    await user.type(screen.getByLabelText('Webhook URL'), 'http://10.0.0.1/hook');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(
      await screen.findByText('webhook URL must point to a public address', { selector: 'small' }),
    ).toBeTruthy();
    await user.clear(screen.getByLabelText('Webhook URL'));
    await user.type(screen.getByLabelText('Webhook URL'), 'https://hooks.example.com/x');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('Saved.')).toBeTruthy();
    expect(sent('PUT', '/me/notifications')).toEqual([
      { email: false, sms: false, webhookUrl: 'http://10.0.0.1/hook' },
      { email: false, sms: false, webhookUrl: 'https://hooks.example.com/x' },
    ]);
  });

  it('turns push on after the browser allows it, then off again', async () => {
    const user = userEvent.setup();
    const browser = fakePush('granted');
    let current = { ...preferences };
    const { sent, seen } = renderApp(
      '/app/notifications',
      {
        'GET /me/notifications': () => json(200, current),
        'GET /me/notifications/deliveries': () => json(200, { items: [], nextCursor: null }),
        'GET /me/push/vapid-public-key': () => json(200, { publicKey: 'VAPID-PUBLIC-KEY' }),
        'POST /me/push-subscriptions': () =>
          json(201, { id: '0190a0b0-0000-7000-8000-0000000000e1', createdAt: '2026-12-07T10:00:00Z' }),
        'DELETE /me/push-subscriptions/0190a0b0-0000-7000-8000-0000000000e1': () =>
          new Response(null, { status: 204 }),
        'PUT /me/notifications': async (request) => {
          current = { ...current, ...((await request.json()) as object) };
          return json(200, current);
        },
      },
      'user',
      { push: browser.platform },
    );
    await user.click(await screen.findByRole('button', { name: 'Turn on push' }));
    expect(await screen.findByText('Push notifications are on in this browser.')).toBeTruthy();
    expect(browser.keys).toEqual(['VAPID-PUBLIC-KEY']);
    expect(sent('POST', '/me/push-subscriptions')).toEqual([
      {
        endpoint: 'https://push.example.com/browser-1',
        expirationTime: null,
        keys: { p256dh: 'B'.repeat(87), auth: 'A'.repeat(22) },
      },
    ]);
    expect(sent('PUT', '/me/notifications').at(-1)).toEqual({ email: true, webhookUrl: null, push: true });

    await user.click(screen.getByRole('button', { name: 'Turn off push' }));
    expect(await screen.findByText('Push notifications are off in this browser.')).toBeTruthy();
    expect(browser.subscribed()).toBe(false);
    expect(seen.filter((r) => r.method === 'DELETE').map((r) => r.path)).toEqual([
      '/me/push-subscriptions/0190a0b0-0000-7000-8000-0000000000e1',
    ]);
    expect(sent('PUT', '/me/notifications').at(-1)).toEqual({ email: true, webhookUrl: null, push: false });
  });

  it('says so when the browser refuses notifications, and saves nothing', async () => {
    const user = userEvent.setup();
    const browser = fakePush('denied');
    const { seen } = renderApp(
      '/app/notifications',
      {
        'GET /me/notifications': () => json(200, preferences),
        'GET /me/notifications/deliveries': () => json(200, { items: [], nextCursor: null }),
      },
      'user',
      { push: browser.platform },
    );
    await user.click(await screen.findByRole('button', { name: 'Turn on push' }));
    expect(await screen.findByText('The browser did not allow notifications for CartWatch.')).toBeTruthy();
    expect(seen.filter((r) => r.path === '/me/push-subscriptions')).toEqual([]);
    expect(browser.subscribed()).toBe(false);
  });

  it("saves per-type channels and minimums, and shows the API's error beside the minimum it refused", async () => {
    const user = userEvent.setup();
    let puts = 0;
    const { sent } = renderApp(
      '/app/notifications',
      {
        'GET /me/notifications': () => json(200, preferences),
        'GET /me/notifications/deliveries': () => json(200, { items: [], nextCursor: null }),
        'PUT /me/notifications': async (request) => {
          puts += 1;
          if (puts === 1)
            return validationFailed([
              { path: 'types.price-drop.minChangePct', message: 'Too big: expected number to be <=100' },
            ]);
          return json(200, { ...preferences, ...((await request.json()) as object) });
        },
      },
      'user',
    );
    const form = await screen.findByRole('form', { name: 'Alert types' });
    expect(
      within(form)
        .getAllByTestId('alert-type')
        .map((row) => row.querySelector('th')?.textContent),
    ).toEqual([
      'Price drop',
      'Target price reached',
      'Price increase',
      'Shrinkflation',
      'Coupon',
      'Back in stock',
    ]);
    // Only the types whose alerts carry a change have a minimum.
    expect(within(form).queryByLabelText('Coupon: minimum change in percent')).toBeNull();
    await user.click(within(form).getByRole('checkbox', { name: 'Coupon: SMS' }));
    await user.click(within(form).getByRole('checkbox', { name: 'Price drop: Webhook' }));
    const dropMinimum = within(form).getByLabelText('Price drop: minimum change in percent');
    await user.type(dropMinimum, 'lots');
    await user.click(within(form).getByRole('button', { name: 'Save alert types' }));
    expect(
      await within(form).findByText('must be a number of percent, or empty for any change', {
        selector: 'small',
      }),
    ).toBeTruthy();
    expect(puts).toBe(0);
    await user.clear(dropMinimum);
    await user.type(dropMinimum, '150');
    await user.click(within(form).getByRole('button', { name: 'Save alert types' }));
    expect(
      await within(form).findByText('Too big: expected number to be <=100', { selector: 'small' }),
    ).toBeTruthy();
    expect(dropMinimum.getAttribute('aria-invalid')).toBe('true');
    await user.clear(dropMinimum);
    await user.type(dropMinimum, '12,5');
    await user.click(within(form).getByRole('button', { name: 'Save alert types' }));
    expect(await within(form).findByText('Alert types saved.')).toBeTruthy();
    const bodies = sent('PUT', '/me/notifications') as Array<{ types: typeof preferences.types }>;
    expect(bodies.map((body) => body.types['price-drop'].minChangePct)).toEqual([150, 12.5]);
    expect(bodies.at(-1)).toEqual({
      email: true,
      webhookUrl: null,
      types: {
        ...preferences.types,
        'price-drop': { ...allOn, webhook: false, minChangePct: 12.5 },
        coupon: { ...allOn, sms: false },
      },
    });
  });

  it('saves quiet hours, shows a refused time zone beside its field, and turns them off', async () => {
    const user = userEvent.setup();
    let puts = 0;
    const { sent } = renderApp(
      '/app/notifications',
      {
        'GET /me/notifications': () => json(200, preferences),
        'GET /me/notifications/deliveries': () => json(200, { items: [], nextCursor: null }),
        'PUT /me/notifications': async (request) => {
          puts += 1;
          if (puts === 1)
            return validationFailed([
              { path: 'quietHours.timeZone', message: 'must be an IANA time zone such as Europe/Berlin' },
            ]);
          return json(200, { ...preferences, ...((await request.json()) as object) });
        },
      },
      'user',
    );
    const form = await screen.findByRole('form', { name: 'Quiet hours' });
    expect(within(form).queryByLabelText('Time zone')).toBeNull();
    await user.click(within(form).getByRole('checkbox', { name: /Hold messages/ }));
    const zone = within(form).getByLabelText('Time zone');
    await user.clear(zone);
    await user.type(zone, 'Mars/Base');
    await user.click(within(form).getByRole('button', { name: 'Save quiet hours' }));
    expect(
      await within(form).findByText('must be an IANA time zone such as Europe/Berlin', { selector: 'small' }),
    ).toBeTruthy();
    expect(zone.getAttribute('aria-invalid')).toBe('true');
    await user.clear(zone);
    await user.type(zone, 'Europe/Berlin');
    await user.click(within(form).getByRole('button', { name: 'Save quiet hours' }));
    expect(await within(form).findByText('Quiet hours saved.')).toBeTruthy();
    await user.click(within(form).getByRole('checkbox', { name: /Hold messages/ }));
    await user.click(within(form).getByRole('button', { name: 'Save quiet hours' }));
    await vi.waitFor(() => expect(puts).toBe(3));
    expect(sent('PUT', '/me/notifications')).toEqual([
      { email: true, webhookUrl: null, quietHours: { start: '22:00', end: '07:00', timeZone: 'Mars/Base' } },
      {
        email: true,
        webhookUrl: null,
        quietHours: { start: '22:00', end: '07:00', timeZone: 'Europe/Berlin' },
      },
      { email: true, webhookUrl: null, quietHours: null },
    ]);
  });
});
