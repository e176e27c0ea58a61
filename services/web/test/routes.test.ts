/** The app's paths must never sit under a path the gateway answers itself or proxies. */
import { isGatewayOwned, matchRoute } from '@cartwatch/common-types';
import { describe, expect, it } from 'vitest';
import { apiPathPattern } from '../api-paths';
import { routes } from '../src/routes';

const appPaths = Object.values(routes).map((route) => (typeof route === 'function' ? route('x') : route));

describe('app routes', () => {
  it.each(appPaths)('%s belongs to no service and is not the gateway’s', (path) => {
    expect(matchRoute(path)).toBeUndefined();
    expect(isGatewayOwned(path)).toBe(false);
    expect(apiPathPattern.test(path)).toBe(false);
  });

  it('recognises every API prefix, on whole segments only', () => {
    for (const path of [
      '/purchases',
      '/purchases/1',
      '/auth/refresh',
      '/me',
      '/public/inflation',
      '/internal/x',
    ])
      expect(apiPathPattern.test(path), path).toBe(true);
    for (const path of ['/purchasesx', '/app/purchases', '/merchants', '/'])
      expect(apiPathPattern.test(path), path).toBe(false);
  });
});
