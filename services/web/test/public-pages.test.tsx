/** The landing page's live figures, the public navigation and the store comparison without an account. */
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { components } from '../src/api/schema';
import { routes } from '../src/routes';
import { apiError, json, renderApp } from './fake-gateway';

type Finding = components['schemas']['PublicShrinkflation'];

const cerealId = '0190a0b0-0000-7000-8000-0000000000a1';
const juiceId = '0190a0b0-0000-7000-8000-0000000000a2';
const smallJuiceId = '0190a0b0-0000-7000-8000-0000000000a3';

function finding(id: string, overrides: Partial<Finding>): Finding {
  return {
    id: `0190a0b0-0000-7000-8000-0000000000f${id}`,
    kind: 'same-product',
    productId: cerealId,
    successorProductId: null,
    gtin: '0012345678905',
    successorGtin: null,
    name: 'Oat Crisps',
    successorName: null,
    brand: 'Oakfield',
    category: 'cereal',
    storeSlug: 'fresh-mart',
    oldSize: { value: 500, unit: 'g' },
    newSize: { value: 450, unit: 'g' },
    sizeChangePct: -10,
    oldPriceCents: 399,
    newPriceCents: 399,
    currency: 'USD',
    unitPriceChangePct: 11.1,
    qualityAdjustedPriceCents: 443,
    qualityAdjustedPriceChangePct: 11.1,
    confidence: 0.9,
    changedAt: '2026-11-20T00:00:00Z',
    detectedAt: '2026-11-22T00:00:00Z',
    confirmed: true,
    ...overrides,
  };
}

const findings = [
  finding('1', { oldSize: { value: 453.59237, unit: 'g' }, newSize: { value: 411.068085, unit: 'g' } }),
  finding('2', {
    kind: 'successor',
    productId: juiceId,
    successorProductId: smallJuiceId,
    name: 'Orange Juice 1.75 l',
    successorName: 'Orange Juice 1.5 l',
    brand: 'Sunny',
    storeSlug: 'corner-grocer',
    oldSize: { value: 1750, unit: 'ml' },
    newSize: { value: 1500, unit: 'ml' },
    unitPriceChangePct: 16.7,
  }),
  finding('3', { name: 'Rice Puffs', productId: '0190a0b0-0000-7000-8000-0000000000a4' }),
  finding('4', { name: 'Corn Flakes', productId: '0190a0b0-0000-7000-8000-0000000000a5' }),
];

const inflation = {
  period: '2026-10',
  category: 'food-at-home',
  cpi: { seriesId: 'CUUR0000SAF11', value: 312.4, previousYearValue: 305.1, yoyPct: 2.4 },
  basket: { yoyPct: 3.1, productCount: 42, currency: 'USD' },
  method: 'Geometric mean of matched products, month against the same month a year earlier.',
};

describe('landing page', () => {
  it('shows the latest food-at-home CPI against the CartWatch basket and the newest shrinkflation findings', async () => {
    const { seen } = renderApp(routes.home, {
      'GET /public/inflation': () => json(200, inflation),
      'GET /public/shrinkflation': () => json(200, { items: findings, nextCursor: 'more' }),
    });
    expect(await screen.findByText('+2.4 %')).toBeTruthy();
    expect(screen.getByText('+3.1 %')).toBeTruthy();
    expect(screen.getByText(/Official food-at-home CPI, 2026-10/)).toBeTruthy();
    expect(screen.getByText(/42 products/)).toBeTruthy();
    expect(await screen.findByText('4+')).toBeTruthy();
    const newest = within(screen.getByRole('region', { name: 'Shrinkflation' })).getAllByRole('listitem');
    expect(newest.map((item) => item.textContent)).toEqual([
      'Oat Crisps at fresh-mart: 453.6 g → 411.1 g, price per unit +11.1 %',
      'Orange Juice 1.75 l at corner-grocer: 1750 ml → 1500 ml, price per unit +16.7 %',
      'Rice Puffs at fresh-mart: 500 g → 450 g, price per unit +11.1 %',
    ]);
    const inflationRequest = seen.find((request) => request.path === '/public/inflation');
    expect(inflationRequest?.query.get('category')).toBe('food-at-home');
    expect(inflationRequest?.auth).toBeNull();
  });

  it('says so when there are no figures yet, and shows the API error when a figure fails', async () => {
    renderApp(routes.home, {
      'GET /public/inflation': () => apiError(404, 'NOT_FOUND', 'no CPI loaded'),
      'GET /public/shrinkflation': () => apiError(429, 'RATE_LIMITED', 'slow down, please'),
    });
    expect(await screen.findByText('No official price index has been loaded yet.')).toBeTruthy();
    expect(await screen.findByText(/slow down, please/)).toBeTruthy();
  });

  it('shows the figures to a signed-in shopper too, with the way to the dashboard', async () => {
    renderApp(
      routes.home,
      {
        'GET /public/inflation': () => json(200, inflation),
        'GET /public/shrinkflation': () => json(200, { items: [], nextCursor: null }),
      },
      'user',
    );
    expect(await screen.findByText('+2.4 %')).toBeTruthy();
    expect(await screen.findByText('No shrinking pack has been found yet.')).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Go to your dashboard' })).toBeTruthy();
  });
});

describe('public navigation', () => {
  it('links every public page for a signed-out visitor', async () => {
    renderApp(routes.home, {});
    const nav = screen.getByRole('navigation', { name: 'Main' });
    const links = within(nav)
      .getAllByRole('link')
      .map((link) => [link.textContent, link.getAttribute('href')]);
    expect(links).toEqual(
      expect.arrayContaining([
        ['Inflation', routes.inflation],
        ['Compare stores', routes.storeComparison],
        ['Shrinkflation', routes.shrinkflation],
        ['Sign in', routes.signIn],
      ]),
    );
  });

  it('keeps the store comparison reachable for a signed-in shopper', async () => {
    renderApp(routes.dashboard, {}, 'user');
    const nav = screen.getByRole('navigation', { name: 'Main' });
    expect(within(nav).getByRole('link', { name: 'Compare stores' }).getAttribute('href')).toBe(
      routes.storeComparison,
    );
  });
});

describe('store comparison without an account', () => {
  it('picks products from the public findings and compares their stores', async () => {
    const user = userEvent.setup();
    const { seen } = renderApp(routes.storeComparison, {
      'GET /public/shrinkflation': () => json(200, { items: findings.slice(0, 2), nextCursor: null }),
      'GET /public/store-comparison': (request) => {
        const ids = new URL(request.url).searchParams.get('productIds')?.split(',') ?? [];
        return json(200, {
          productIds: ids,
          cheapestCompleteStore: ids.length === 1 ? 'fresh-mart' : null,
          stores: [
            {
              storeSlug: 'fresh-mart',
              currency: 'USD',
              totalCents: 399,
              pricedCount: 1,
              missingProductIds: ids.filter((id) => id !== cerealId),
              prices: [{ productId: cerealId, priceCents: 399, observedAt: '2026-11-30T00:00:00Z' }],
            },
          ],
        });
      },
    });
    expect(await screen.findByText('Choose at least one product to see the stores.')).toBeTruthy();
    expect(screen.getByText(/^Method: each store's total adds up/)).toBeTruthy();
    await user.click(await screen.findByRole('checkbox', { name: 'Oat Crisps (Oakfield)' }));
    expect(await screen.findByText('cheapest with everything: fresh-mart', { exact: false })).toBeTruthy();
    expect(screen.getByRole('cell', { name: '$3.99' })).toBeTruthy();
    await user.click(screen.getByRole('checkbox', { name: 'Orange Juice 1.5 l (new pack)' }));
    expect(await screen.findByRole('cell', { name: 'Orange Juice 1.5 l (new pack)' })).toBeTruthy();
    const compared = seen.filter((request) => request.path === '/public/store-comparison');
    expect(compared.map((request) => request.query.get('productIds'))).toEqual([
      cerealId,
      `${cerealId},${smallJuiceId}`,
    ]);
    expect(compared.every((request) => request.auth === null)).toBe(true);
  });

  it('says so when no store has a shared price for the chosen product', async () => {
    renderApp(`${routes.storeComparison}?productIds=${cerealId}`, {
      'GET /public/shrinkflation': () => json(200, { items: findings.slice(0, 1), nextCursor: null }),
      'GET /public/store-comparison': () =>
        json(200, { productIds: [cerealId], stores: [], cheapestCompleteStore: null }),
    });
    expect(await screen.findByText('No store has a shared price for this product yet.')).toBeTruthy();
    expect(
      ((await screen.findByRole('checkbox', { name: 'Oat Crisps (Oakfield)' })) as HTMLInputElement).checked,
    ).toBe(true);
  });

  it('shows the method note on the shrinkflation page', async () => {
    renderApp(routes.shrinkflation, {
      'GET /public/shrinkflation': () => json(200, { items: findings, nextCursor: null }),
    });
    expect(await screen.findByText(/^Method: a pack counts as shrunk/)).toBeTruthy();
  });
});
