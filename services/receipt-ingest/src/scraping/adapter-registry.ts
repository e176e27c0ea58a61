/** Retailer adapters by retailer slug; which ones a process has depends on its config. */
import type { Config } from '../config.js';
import { ReferenceRetailerAdapter, referenceRetailerSlug } from './adapters/reference-retailer.adapter.js';
import type { RetailerAdapter } from './retailer-adapter.js';

export class AdapterRegistry {
  private readonly bySlug = new Map<string, RetailerAdapter>();

  constructor(adapters: readonly RetailerAdapter[] = []) {
    for (const adapter of adapters) this.register(adapter);
  }

  register(adapter: RetailerAdapter): void {
    if (this.bySlug.has(adapter.slug)) throw new Error(`two retailer adapters for ${adapter.slug}`);
    this.bySlug.set(adapter.slug, adapter);
  }

  get(slug: string): RetailerAdapter | undefined {
    return this.bySlug.get(slug);
  }

  slugs(): string[] {
    return [...this.bySlug.keys()];
  }
}

/**
 * The adapters this deployment can run: the reference retailer only where its site is configured, which
 * is development and tests (the demo store of `pnpm start`, docs/retailer-adapters.md), never production.
 */
export function adaptersFromConfig(config: Config): AdapterRegistry {
  const registry = new AdapterRegistry();
  if (config.REFERENCE_RETAILER_URL !== undefined) {
    if (config.NODE_ENV === 'production')
      throw new Error(
        'REFERENCE_RETAILER_URL is the demo store of development and tests: unset it in production',
      );
    registry.register(new ReferenceRetailerAdapter(config.REFERENCE_RETAILER_URL, referenceRetailerSlug));
  }
  return registry;
}
