import { describe, expect, it } from 'vitest';
import type { Config } from '../config.js';
import { adaptersFromConfig } from './adapter-registry.js';

const config = (values: Partial<Config>) => values as Config;

describe('adapters from config', () => {
  it('registers the reference retailer (the demo store) only where its site is configured', () => {
    expect(adaptersFromConfig(config({ NODE_ENV: 'development' })).slugs()).toEqual([]);
    expect(
      adaptersFromConfig(
        config({ NODE_ENV: 'development', REFERENCE_RETAILER_URL: 'http://127.0.0.1:8087' }),
      ).slugs(),
    ).toEqual(['reference-mart']);
  });

  it('refuses to register it in production', () => {
    expect(() =>
      adaptersFromConfig(config({ NODE_ENV: 'production', REFERENCE_RETAILER_URL: 'http://127.0.0.1:8087' })),
    ).toThrow(/REFERENCE_RETAILER_URL .* unset it in production/);
    expect(adaptersFromConfig(config({ NODE_ENV: 'production' })).slugs()).toEqual([]);
  });
});
