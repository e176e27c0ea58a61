/**
 * A URL check: a safe fetch (or, for a watch that asks for it, a safe render in Chromium), then price
 * extraction. Failures are values with a code and a clear message.
 */
import { type BlockedRequest, type RenderPolicy, renderPage } from './page-renderer.js';
import type { ExtractionMethod } from './price-extraction.js';
import { type FetchPolicy, fetchSafely } from './safe-fetch.js';

export type UrlCheckResult = (
  | {
      ok: true;
      priceCents: number;
      currency: string;
      available: boolean | null;
      method: ExtractionMethod;
      title: string | undefined;
    }
  | { ok: false; code: string; message: string }
) & {
  /** Requests a rendered page made that were refused or failed; absent when the page was not rendered. */
  blockedRequests?: BlockedRequest[] | undefined;
};

export interface UrlCheckOptions {
  cssSelector?: string | undefined;
  /** Run the page's scripts in Chromium before extracting (needs rendering enabled). */
  render?: boolean | undefined;
}

export interface RenderSettings extends RenderPolicy {
  /** Chromium instances this process runs at once; further renders wait their turn. */
  concurrency: number;
}

/** At most `slots` tasks at once, the rest in arrival order. */
function createLimiter(slots: number) {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running >= slots) await new Promise<void>((resolve) => waiting.push(resolve));
    running += 1;
    try {
      return await task();
    } finally {
      running -= 1;
      waiting.shift()?.();
    }
  };
}

/** `rendering` undefined: rendering is off, and a check asking for it fails with RENDER_DISABLED. */
export function createUrlChecker(policy: FetchPolicy, rendering?: RenderSettings) {
  const limit = createLimiter(rendering?.concurrency ?? 1);
  return async (url: string, options: UrlCheckOptions): Promise<UrlCheckResult> => {
    let html: string;
    let blockedRequests: BlockedRequest[] | undefined;
    if (options.render) {
      if (!rendering) {
        return {
          ok: false,
          code: 'RENDER_DISABLED',
          message: 'page rendering is not enabled on this server (URL_RENDER_ENABLED)',
        };
      }
      const rendered = await limit(() => renderPage(url, policy, rendering));
      if (!rendered.ok) return rendered;
      ({ html, blockedRequests } = rendered);
    } else {
      const fetched = await fetchSafely(url, policy);
      if (!fetched.ok) return fetched;
      html = fetched.body;
    }
    // Loaded by the first check, not at start: cheerio and the parsers under it are ~3 MiB of source
    // (bench/README.md, "memory"), and a process without URL watches never needs them.
    const { extractPrice } = await import('./price-extraction.js');
    const extraction = extractPrice(html, options);
    if (!extraction.ok) return { ...extraction, blockedRequests };
    return {
      ok: true,
      priceCents: extraction.priceCents,
      currency: extraction.currency,
      available: extraction.available,
      method: extraction.method,
      title: extraction.title,
      blockedRequests,
    };
  };
}
