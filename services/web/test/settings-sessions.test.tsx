/** Settings › Sessions over a fake gateway: the devices listed, one signed out, this device signed out, everywhere. */
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { apiError, json, renderApp } from './fake-gateway';

const PHONE = '0190a0b0-0000-7000-8000-0000000000a1';
const LAPTOP = '0190a0b0-0000-7000-8000-0000000000a2';
const TABLET = '0190a0b0-0000-7000-8000-0000000000a3';

const device = (id: string, label: string, current: boolean, ipNetwork: string | null) => ({
  id,
  createdAt: '2026-11-30T09:00:00.000Z',
  lastUsedAt: '2026-12-06T18:30:00.000Z',
  device: label,
  userAgent: null,
  ipNetwork,
  current,
});

/**
 * A gateway holding three sessions: DELETE removes one (404 for one already gone, or for `refuse`),
 * logout-all answers 204.
 */
function gateway(refuse?: string) {
  let sessions = [
    device(PHONE, 'Safari 17 on iOS 17 (mobile)', true, '203.0.113.0/24'),
    device(LAPTOP, 'Firefox 133 on Windows 10 (desktop)', false, '198.51.100.0/24'),
    device(TABLET, 'Chrome 131 on Android 14 (tablet)', false, null),
  ];
  const notFound = () => apiError(404, 'NOT_FOUND', 'session not found');
  const routes: Record<string, () => Response> = {
    'GET /me/inbound-address': () => json(200, { address: 'r-abc123@in.cartwatch.test' }),
    'GET /auth/sessions': () => json(200, { sessions }),
    'POST /auth/logout-all': () => new Response(null, { status: 204 }),
  };
  for (const id of [PHONE, LAPTOP, TABLET])
    routes[`DELETE /auth/sessions/${id}`] = () => {
      if (id === refuse || !sessions.some((s) => s.id === id)) return notFound();
      sessions = sessions.filter((s) => s.id !== id);
      return new Response(null, { status: 204 });
    };
  return routes;
}

const sessionsRegion = () => screen.findByRole('region', { name: 'Sessions' });
const devices = async () => within(await sessionsRegion()).findByRole('list', { name: 'Signed-in devices' });

describe('settings › sessions', () => {
  it('lists the signed-in devices with this one marked, and signs another one out', async () => {
    const user = userEvent.setup();
    const { seen } = renderApp('/app/settings', gateway(), 'user');
    const list = await devices();
    const items = within(list).getAllByRole('listitem');
    expect(items.map((item) => item.querySelector('strong')?.textContent)).toEqual([
      'Safari 17 on iOS 17 (mobile)',
      'Firefox 133 on Windows 10 (desktop)',
      'Chrome 131 on Android 14 (tablet)',
    ]);
    expect(items[0]?.textContent).toContain('(this device)');
    expect(items[0]?.textContent).toContain('from network 203.0.113.0/24');
    expect(items[2]?.textContent).not.toContain('from network');
    expect(within(items[0] as HTMLElement).getByRole('button').textContent).toBe('Sign out this device');

    await user.click(within(items[1] as HTMLElement).getByRole('button', { name: 'Sign out' }));
    await within(await sessionsRegion()).findByText(
      (_, element) => element?.tagName === 'UL' && element.querySelectorAll('li').length === 2,
    );
    expect(within(await devices()).queryByText('Firefox 133 on Windows 10 (desktop)')).toBeNull();
    expect(seen.filter((r) => r.method === 'DELETE').map((r) => r.path)).toEqual([
      `/auth/sessions/${LAPTOP}`,
    ]);
  });

  it("says why a sign-out was refused, beside that device's entry", async () => {
    const user = userEvent.setup();
    renderApp('/app/settings', gateway(TABLET), 'user');
    const items = within(await devices()).getAllByRole('listitem');
    await user.click(within(items[2] as HTMLElement).getByRole('button', { name: 'Sign out' }));
    expect(await within(items[2] as HTMLElement).findByRole('alert')).toHaveProperty(
      'textContent',
      'session not found',
    );
  });

  it('signing this device out ends the session here and goes to the sign-in page', async () => {
    const user = userEvent.setup();
    const { services } = renderApp('/app/settings', gateway(), 'user');
    const items = within(await devices()).getAllByRole('listitem');
    await user.click(within(items[0] as HTMLElement).getByRole('button', { name: 'Sign out this device' }));
    expect(await screen.findByRole('heading', { level: 1, name: /sign in/i })).toBeTruthy();
    expect(services.session.getState().status).toBe('signed-out');
  });

  it('"Sign out everywhere" calls logout-all and signs out here', async () => {
    const user = userEvent.setup();
    const { services, seen } = renderApp('/app/settings', gateway(), 'user');
    await devices();
    await user.click(within(await sessionsRegion()).getByRole('button', { name: 'Sign out everywhere' }));
    expect(await screen.findByRole('heading', { level: 1, name: /sign in/i })).toBeTruthy();
    expect(services.session.getState().status).toBe('signed-out');
    expect(seen.some((r) => r.method === 'POST' && r.path === '/auth/logout-all')).toBe(true);
  });
});
