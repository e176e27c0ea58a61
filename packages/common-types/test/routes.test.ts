import { describe, expect, it } from 'vitest';
import { isGatewayOwned, matchRoute, routeTable } from '../src/routes.js';
import { upstreamServices } from '../src/services.js';

describe('route table', () => {
  it.each([
    ['/stores', 'receipt-ingest', 'user'],
    ['/stores/acme/locations', 'receipt-ingest', 'user'],
    ['/me/stores/acme/connect', 'receipt-ingest', 'user'],
    ['/receipts/csv', 'receipt-ingest', 'user'],
    ['/receipts/inbound-email', 'receipt-ingest', 'signed'],
    ['/public/inflation', 'price-watch', 'public'],
    ['/public/shrinkflation', 'shrinkflation', 'public'],
    ['/device/scans', 'cart-device', 'device'],
    ['/devices/pair', 'cart-device', 'user'],
    ['/orders/123', 'orders', 'user'],
  ])('routes %s to %s with %s auth (longest prefix wins)', (path, service, auth) => {
    expect(matchRoute(path)).toMatchObject({ service, auth });
  });

  it('matches whole segments only', () => {
    expect(matchRoute('/storesx')).toBeUndefined();
    expect(matchRoute('/devicesx')).toBeUndefined();
    expect(matchRoute('/internal/products/resolve')).toBeUndefined();
  });

  it('keeps the gateway its own paths', () => {
    expect(isGatewayOwned('/me')).toBe(true);
    expect(isGatewayOwned('/me/events')).toBe(true);
    expect(isGatewayOwned('/auth/login')).toBe(true);
    expect(isGatewayOwned('/me/stores')).toBe(false);
    expect(matchRoute('/me')).toBeUndefined();
  });

  it('gives every upstream service at least one route and no prefix twice', () => {
    for (const service of upstreamServices) {
      expect(routeTable.some((route) => route.service === service)).toBe(true);
    }
    const prefixes = routeTable.map((route) => route.prefix);
    expect(new Set(prefixes).size).toBe(prefixes.length);
  });
});
