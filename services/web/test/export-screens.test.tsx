/** Settings › Your data (the whole-account export job) and "Export CSV" on purchases, over a fake gateway. */
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { apiError, emptyPage, json, renderApp, validationFailed } from './fake-gateway';

const exportId = '01939f3e-0000-7000-8000-000000000001';
const job = (overrides: Record<string, unknown>) => ({
  id: exportId,
  status: 'queued',
  progress: { done: 0, total: 6 },
  attempts: 0,
  error: null,
  sizeBytes: null,
  createdAt: '2026-12-07T10:00:00.000Z',
  finishedAt: null,
  expiresAt: null,
  ...overrides,
});

/** What the app saved: the file name and the bytes behind the object URL it clicked. */
let saved: { name: string; blob: Blob }[];

beforeEach(() => {
  saved = [];
  localStorage.clear();
  const blobs = new Map<string, Blob>();
  vi.stubGlobal(
    'URL',
    Object.assign(URL, {
      createObjectURL: (blob: Blob) => {
        const url = `blob:test/${blobs.size}`;
        blobs.set(url, blob);
        return url;
      },
      revokeObjectURL: () => {},
    }),
  );
  vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
    saved.push({ name: this.download, blob: blobs.get(this.href) as Blob });
  });
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

const inbound = () => json(200, { address: 'r-abc123@in.cartwatch.test' });
const yourData = () => screen.findByRole('region', { name: 'Your data' });

describe('settings › your data', () => {
  it('creates the export, shows its progress, and downloads the zip once ready', async () => {
    const person = userEvent.setup();
    const states = [
      job({ status: 'running', attempts: 1, progress: { done: 3, total: 6 } }),
      job({
        status: 'ready',
        attempts: 1,
        progress: { done: 6, total: 6 },
        sizeBytes: 2048,
        finishedAt: '2026-12-07T10:00:05.000Z',
        expiresAt: '2026-12-08T10:00:05.000Z',
      }),
    ];
    const { seen } = renderApp(
      '/app/settings',
      {
        'GET /me/inbound-address': inbound,
        'POST /me/export': () => json(202, job({})),
        [`GET /me/export/${exportId}`]: () => json(200, states.length > 1 ? states.shift() : states[0]),
        [`GET /me/export/${exportId}/download`]: () =>
          new Response(new Uint8Array([0x50, 0x4b, 0x03, 0x04]), {
            status: 200,
            headers: {
              'content-type': 'application/zip',
              'content-disposition': 'attachment; filename="cartwatch-export-2026-12-07.zip"',
            },
          }),
      },
      'user',
    );
    const region = await yourData();
    await person.click(within(region).getByRole('button', { name: 'Download all my data' }));
    expect(await within(region).findByText(/Collecting your data: 3 of 6 parts/)).toBeTruthy();
    expect(
      (within(region).getByRole('button', { name: /Download all my data|Asking/ }) as HTMLButtonElement)
        .disabled,
    ).toBe(true);
    expect(
      await within(region).findByText(/Your data is ready \(2\.0 KB\)/, {}, { timeout: 4_000 }),
    ).toBeTruthy();
    await person.click(within(region).getByRole('button', { name: 'Download the zip' }));
    await vi.waitFor(() => expect(saved).toHaveLength(1));
    expect(saved[0]?.name).toBe('cartwatch-export-2026-12-07.zip');
    expect(new Uint8Array(await (saved[0] as { blob: Blob }).blob.arrayBuffer())).toEqual(
      new Uint8Array([0x50, 0x4b, 0x03, 0x04]),
    );
    expect(seen.filter((r) => r.method === 'POST' && r.path === '/me/export')).toHaveLength(1);
    // The job is remembered in this browser, so coming back to Settings shows it again.
    expect(Object.values({ ...localStorage })).toContain(exportId);
  });

  it('shows why an export failed, and the API error when another one is refused', async () => {
    const person = userEvent.setup();
    localStorage.clear();
    let posts = 0;
    renderApp(
      '/app/settings',
      {
        'GET /me/inbound-address': inbound,
        'POST /me/export': () => {
          posts += 1;
          return posts === 1 ? json(202, job({})) : apiError(429, 'RATE_LIMITED', 'at most 5 exports a day');
        },
        [`GET /me/export/${exportId}`]: () =>
          json(
            200,
            job({ status: 'failed', attempts: 3, error: 'price-watch did not answer: database down' }),
          ),
      },
      'user',
    );
    const region = await yourData();
    await person.click(within(region).getByRole('button', { name: 'Download all my data' }));
    expect(
      await within(region).findByText(
        'The export failed: price-watch did not answer: database down. Try again later.',
      ),
    ).toBeTruthy();
    await person.click(within(region).getByRole('button', { name: 'Download all my data' }));
    expect((await within(region).findByRole('alert')).textContent).toContain('at most 5 exports a day');
  });

  it('follows the export already being built when the gateway answers 409 with its id', async () => {
    const person = userEvent.setup();
    renderApp(
      '/app/settings',
      {
        'GET /me/inbound-address': inbound,
        'POST /me/export': () =>
          json(409, {
            error: {
              code: 'CONFLICT',
              message: 'an export of this account is already being built',
              details: { exportId },
              requestId: 'r',
            },
          }),
        [`GET /me/export/${exportId}`]: () =>
          json(200, job({ status: 'running', attempts: 1, progress: { done: 5, total: 6 } })),
      },
      'user',
    );
    const region = await yourData();
    await person.click(within(region).getByRole('button', { name: 'Download all my data' }));
    expect(await within(region).findByText(/Collecting your data: 5 of 6 parts/)).toBeTruthy();
    expect(within(region).queryByRole('alert')).toBeNull();
  });
});

describe('purchases › Export CSV', () => {
  it('exports with the current filter and saves the file the gateway names', async () => {
    const person = userEvent.setup();
    const csv = 'receipt_id,store,purchased_at\nR1,fresh-mart,2026-11-01T10:00:00.000Z\n';
    const { seen } = renderApp(
      '/app/purchases',
      {
        'GET /purchases': emptyPage,
        'GET /purchases/export.csv': () =>
          new Response(csv, {
            status: 200,
            headers: {
              'content-type': 'text/csv; charset=utf-8',
              'content-disposition': 'attachment; filename="purchases.csv"',
            },
          }),
      },
      'user',
    );
    await person.type(await screen.findByLabelText('Item name contains'), 'milk');
    await person.click(screen.getByRole('button', { name: 'Filter' }));
    expect(await screen.findByText(/Purchases with “milk”/)).toBeTruthy();
    await person.click(screen.getByRole('button', { name: 'Export CSV' }));
    await vi.waitFor(() => expect(saved).toHaveLength(1));
    expect(saved[0]?.name).toBe('purchases.csv');
    expect(await (saved[0] as { blob: Blob }).blob.text()).toBe(csv);
    const request = seen.find((r) => r.path === '/purchases/export.csv');
    expect(request?.query.get('text')).toBe('milk');
    expect(request?.auth).toMatch(/^Bearer /);
  });

  it('shows the per-field errors the API answers with', async () => {
    const person = userEvent.setup();
    renderApp(
      '/app/purchases',
      {
        'GET /purchases': emptyPage,
        'GET /purchases/export.csv': () =>
          validationFailed([{ path: 'text', message: 'Too big: expected string to have <=100 characters' }]),
      },
      'user',
    );
    await person.click(await screen.findByRole('button', { name: 'Export CSV' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('text: Too big: expected string to have <=100 characters');
    expect(saved).toEqual([]);
  });
});
