/** A URL check: a safe fetch, then price extraction. Failures are values with a code and a clear message. */
import { type ExtractionMethod, extractPrice } from './price-extraction.js';
import { type FetchPolicy, fetchSafely } from './safe-fetch.js';

export type UrlCheckResult =
  | {
      ok: true;
      priceCents: number;
      currency: string;
      available: boolean | null;
      method: ExtractionMethod;
      title: string | undefined;
    }
  | { ok: false; code: string; message: string };

export function createUrlChecker(policy: FetchPolicy) {
  return async (url: string, options: { cssSelector?: string | undefined }): Promise<UrlCheckResult> => {
    const fetched = await fetchSafely(url, policy);
    if (!fetched.ok) return fetched;
    const extraction = extractPrice(fetched.body, options);
    if (!extraction.ok) return extraction;
    return {
      ok: true,
      priceCents: extraction.priceCents,
      currency: extraction.currency,
      available: extraction.available,
      method: extraction.method,
      title: extraction.title,
    };
  };
}
