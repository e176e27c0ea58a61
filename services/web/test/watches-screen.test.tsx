/** The watches screens over a fake gateway: the check interval, pausing and resuming, per-field errors. */
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { apiError, emptyPage, json, renderApp, validationFailed } from './fake-gateway';

const watchId = '0190a0b0-0000-7000-8000-0000000000a1';
const watch = (overrides: Record<string, unknown> = {}) => ({
  id: watchId,
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
  ...overrides,
});

describe('watches screens', () => {
  it('creates a watch with the chosen interval and shows the API error on the interval field', async () => {
    const user = userEvent.setup();
    let attempts = 0;
    const { sent } = renderApp(
      '/app/watches',
      {
        'GET /watches': emptyPage,
        'POST /watches': async () => {
          attempts += 1;
          if (attempts === 1)
            return validationFailed([
              { path: 'checkIntervalMinutes', message: 'Too small: expected number to be >=60' },
            ]);
          return json(201, watch({ checkIntervalMinutes: 1440 }));
        },
      },
      'user',
    );
    const form = (await screen.findByRole('heading', { name: 'Watch a shop page' })).closest('form');
    if (!form) throw new Error('no create form');
    await user.type(within(form).getByLabelText('Product page URL'), 'https://shop.example/beans');
    const interval = within(form).getByLabelText('Check the page') as HTMLSelectElement;
    expect(interval.value).toBe('360');
    await user.selectOptions(interval, 'every day');
    await user.click(within(form).getByRole('button', { name: 'Watch' }));
    expect(await within(form).findByText('Too small: expected number to be >=60')).toBeTruthy();
    expect(interval.getAttribute('aria-invalid')).toBe('true');
    expect(within(form).getByRole('alert').textContent).toContain('Fix the field marked in the form.');
    await user.click(within(form).getByRole('button', { name: 'Watch' }));
    expect(sent('POST', '/watches')).toEqual([
      { url: 'https://shop.example/beans', checkIntervalMinutes: 1440, dropPct: 5 },
      { url: 'https://shop.example/beans', checkIntervalMinutes: 1440, dropPct: 5 },
    ]);
  });

  it('pauses and resumes a watch, refuses "check now" while paused, and changes the interval', async () => {
    const user = userEvent.setup();
    let current = watch();
    const { sent } = renderApp(
      `/app/watches/${watchId}`,
      {
        [`GET /watches/${watchId}`]: () => json(200, current),
        [`GET /watches/${watchId}/runs`]: emptyPage,
        'GET /watches': () => json(200, { items: [current], nextCursor: null }),
        [`POST /watches/${watchId}/check`]: () =>
          apiError(409, 'CONFLICT', 'the watch is paused; resume it (paused: false) to check it'),
        [`PATCH /watches/${watchId}`]: async (request) => {
          const body = (await request.json()) as Record<string, unknown>;
          if (body.checkIntervalMinutes === 10080 && current.paused)
            return validationFailed([{ path: 'checkIntervalMinutes', message: 'Not while paused' }]);
          current = watch({ ...current, ...body });
          return json(200, current);
        },
      },
      'user',
    );
    await user.click(await screen.findByRole('button', { name: 'Pause' }));
    expect(await screen.findByText(/Paused: not checked and no alerts until you resume it/)).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Check now' }) as HTMLButtonElement).disabled).toBe(true);

    // An interval the API refuses shows its message on the field.
    await user.selectOptions(screen.getByLabelText('Check the page'), 'every week');
    expect(await screen.findByText('Not while paused')).toBeTruthy();
    expect(screen.getByLabelText('Check the page').getAttribute('aria-invalid')).toBe('true');

    await user.click(screen.getByRole('button', { name: 'Resume' }));
    await screen.findByRole('button', { name: 'Pause' });
    expect((screen.getByRole('button', { name: 'Check now' }) as HTMLButtonElement).disabled).toBe(false);
    await user.selectOptions(screen.getByLabelText('Check the page'), 'every hour');
    await screen.findByDisplayValue('every hour');
    expect(sent('PATCH', `/watches/${watchId}`)).toEqual([
      { paused: true },
      { checkIntervalMinutes: 10080 },
      { paused: false },
      { checkIntervalMinutes: 60 },
    ]);

    await user.click(screen.getByRole('button', { name: 'Check now' }));
    expect(await screen.findByText(/the watch is paused/)).toBeTruthy();
  });
});
