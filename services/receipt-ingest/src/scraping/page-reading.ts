/**
 * Helpers adapters share: navigation with politeness and status mapping (429/503 and captcha pages are
 * BLOCKED, other 5xx NETWORK), reads that never wait for an element that is not there (a changed page
 * must fail fast with PARSE_FAILED, not after a timeout), and money in cents.
 */
import type { Locator, Response } from 'playwright-core';
import type { ScrapeContext } from './retailer-adapter.js';
import { SyncError } from './sync-error.js';

export async function navigate(
  context: ScrapeContext,
  url: string,
  options: { captchaSelector?: string } = {},
): Promise<Response | null> {
  await context.pace();
  const response = await context.page.goto(url, { waitUntil: 'domcontentloaded' });
  assertNotBlocked(response);
  if (options.captchaSelector && (await context.page.locator(options.captchaSelector).count()) > 0) {
    throw new SyncError('BLOCKED', 'the retailer answered with a captcha');
  }
  return response;
}

export function assertNotBlocked(response: Response | null): void {
  const status = response?.status() ?? 0;
  if (status === 429 || status === 503) {
    throw new SyncError('BLOCKED', `the retailer refused the request (HTTP ${status})`);
  }
  if (status >= 500) throw new SyncError('NETWORK', `the retailer failed (HTTP ${status})`);
}

/** The first match's text, trimmed; null when there is none. */
export async function textOf(scope: Locator, selector: string): Promise<string | null> {
  const [text] = await scope.locator(selector).allTextContents();
  return text === undefined ? null : text.trim();
}

/** An attribute of the first match; null when there is no match or no attribute. */
export async function attributeOf(scope: Locator, selector: string, name: string): Promise<string | null> {
  const match = scope.locator(selector);
  return (await match.count()) === 0 ? null : match.first().getAttribute(name);
}

/** `$1,234.56`, `-$0.50`, `0.50-` or `3.99` in cents; PARSE_FAILED for anything else (`3,99` too). */
export function parseMoneyCents(text: string | null, what: string): number {
  const cleaned = (text ?? '').replace(/[\s$€£]/g, '');
  const match = /^(-)?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{2}))?(-)?$/.exec(cleaned);
  if (!match || (match[1] && match[4])) {
    throw new SyncError('PARSE_FAILED', `${what} is not an amount: ${JSON.stringify(text)}`);
  }
  const cents = Number((match[2] ?? '').replace(/,/g, '')) * 100 + Number(match[3] ?? 0);
  return match[1] || match[4] ? -cents : cents;
}
