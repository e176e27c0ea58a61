/**
 * Adapter of the reference retailer site (`packages/local-stack/src/demo-store/`, the demo store of `pnpm start`), the worked example of
 * docs/retailer-adapters.md: a login form that sets a session cookie, an order history paginated
 * newest first, one HTML receipt page per order.
 *
 * Cursor: `<placed-at ISO>|<order id>` of the newest order imported; a sync walks the history from the
 * newest page until it reaches an order at or before the cursor.
 */
import { attributeOf, navigate, parseMoneyCents, textOf } from '../page-reading.js';
import type {
  PurchaseListing,
  ReceiptRef,
  RetailerAdapter,
  ScrapeContext,
  ScrapedReceipt,
  StoreCredentials,
} from '../retailer-adapter.js';
import { SessionExpiredError, SyncError } from '../sync-error.js';

export const referenceRetailerSlug = 'reference-mart';

/** Safety net against a pagination loop (a site bug must not make us crawl forever). */
const MAX_HISTORY_PAGES = 200;
const CAPTCHA = '#captcha-challenge';

export interface RawReferenceLine {
  name: string | null;
  gtin: string | null;
  quantity: string | null;
  unit: string | null;
  unitPrice: string | null;
  paid: string | null;
  regularPrice: string | null;
}

export interface RawReferenceReceipt {
  orderId: string | null;
  currency: string | null;
  purchasedAt: string | null;
  total: string | null;
  lines: RawReferenceLine[];
}

interface HistoryEntry {
  key: string;
  ref: ReceiptRef;
}

/** Orders compare by placement time, then id: the cursor is the largest key imported. */
function orderKey(placedAt: string, id: string): string {
  return `${new Date(placedAt).toISOString()}|${id}`;
}

export class ReferenceRetailerAdapter implements RetailerAdapter<RawReferenceReceipt> {
  private readonly baseUrl: string;

  constructor(
    baseUrl: string,
    readonly slug: string = referenceRetailerSlug,
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  async logIn(context: ScrapeContext, credentials: StoreCredentials): Promise<undefined> {
    const { page } = context;
    await navigate(context, `${this.baseUrl}/account/login`, { captchaSelector: CAPTCHA });
    const form = page.locator('form#login-form');
    if ((await form.count()) === 0) throw new SyncError('PARSE_FAILED', 'the login form was not found');
    await form.locator('input[name="username"]').fill(credentials.username);
    await form.locator('input[name="password"]').fill(credentials.password);
    await context.pace();
    await Promise.all([
      page.waitForURL((url) => url.pathname !== '/account/login' || url.searchParams.has('error')),
      form.locator('button[type="submit"]').click(),
    ]);
    if ((await page.locator('.login-error').count()) > 0) {
      throw new SyncError('LOGIN_FAILED', 'the retailer refused the username or password');
    }
    if ((await page.locator(CAPTCHA).count()) > 0) {
      throw new SyncError('BLOCKED', 'the retailer answered the login with a captcha');
    }
    if (new URL(page.url()).pathname !== '/account/orders') {
      throw new SyncError('PARSE_FAILED', 'logging in did not lead to the order history');
    }
    return undefined;
  }

  async listPurchasesSince(context: ScrapeContext, cursor: string | null): Promise<PurchaseListing> {
    const newer: HistoryEntry[] = [];
    let url: string | null = `${this.baseUrl}/account/orders`;
    for (let pageNo = 1; url !== null && pageNo <= MAX_HISTORY_PAGES; pageNo++) {
      const { entries, next } = await this.readHistoryPage(context, url);
      const fresh = entries.filter((entry) => cursor === null || entry.key > cursor);
      newer.push(...fresh);
      // Newest first: once an order at or before the cursor shows up, the rest is known.
      url = fresh.length < entries.length ? null : next;
    }
    newer.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return { refs: newer.map((entry) => entry.ref), cursor: newer.at(-1)?.key ?? cursor };
  }

  private async readHistoryPage(
    context: ScrapeContext,
    url: string,
  ): Promise<{ entries: HistoryEntry[]; next: string | null }> {
    const { page } = context;
    await navigate(context, url, { captchaSelector: CAPTCHA });
    if (new URL(page.url()).pathname === '/account/login') throw new SessionExpiredError();
    const history = page.locator('table#order-history');
    if ((await history.count()) === 0) {
      throw new SyncError('PARSE_FAILED', 'the order history table was not found (did the site change?)');
    }
    const entries: HistoryEntry[] = [];
    for (const row of await history.locator('tr.order').all()) {
      const id = await row.getAttribute('data-order-id');
      const placedAt = await row.getAttribute('data-placed-at');
      const href = await attributeOf(row, 'a.order-link', 'href');
      if (!id || !placedAt || Number.isNaN(Date.parse(placedAt)) || !href) {
        throw new SyncError('PARSE_FAILED', 'an order history row lacks its id, date or link');
      }
      entries.push({ key: orderKey(placedAt, id), ref: { id, url: new URL(href, page.url()).toString() } });
    }
    const next = await attributeOf(page.locator('nav.pagination'), 'a[rel="next"]', 'href');
    return { entries, next: next === null ? null : new URL(next, page.url()).toString() };
  }

  async fetchReceipt(context: ScrapeContext, ref: ReceiptRef): Promise<RawReferenceReceipt> {
    const { page } = context;
    const response = await navigate(context, ref.url, { captchaSelector: CAPTCHA });
    if (new URL(page.url()).pathname === '/account/login') throw new SessionExpiredError();
    if (response?.status() === 404)
      throw new SyncError('PARSE_FAILED', `receipt ${ref.id} is not where the history points`);
    const receipt = page.locator('section#receipt');
    if ((await receipt.count()) === 0)
      throw new SyncError('PARSE_FAILED', `receipt ${ref.id} has no receipt section`);
    const lines: RawReferenceLine[] = [];
    for (const row of await receipt.locator('tr.line').all()) {
      lines.push({
        name: await textOf(row, '.name'),
        gtin: await row.getAttribute('data-gtin'),
        quantity: await textOf(row, '.qty'),
        unit: await textOf(row, '.unit'),
        unitPrice: await textOf(row, '.unit-price'),
        paid: await textOf(row, '.paid'),
        regularPrice: await textOf(row, '.regular-price'),
      });
    }
    return {
      orderId: await receipt.getAttribute('data-order-id'),
      currency: await receipt.getAttribute('data-currency'),
      purchasedAt: await attributeOf(receipt, 'time.purchased-at', 'datetime'),
      total: await textOf(receipt, '.receipt-total .amount'),
      lines,
    };
  }

  parseReceipt(raw: RawReferenceReceipt, ref: ReceiptRef): ScrapedReceipt {
    if (raw.orderId !== ref.id) {
      throw new SyncError('PARSE_FAILED', `receipt page of ${ref.id} shows order ${raw.orderId ?? 'none'}`);
    }
    if (!raw.purchasedAt || Number.isNaN(Date.parse(raw.purchasedAt))) {
      throw new SyncError('PARSE_FAILED', `receipt ${ref.id} has no purchase time`);
    }
    if (raw.lines.length === 0) throw new SyncError('PARSE_FAILED', `receipt ${ref.id} has no lines`);
    return {
      retailerReceiptId: ref.id,
      purchasedAt: new Date(raw.purchasedAt).toISOString(),
      currency: raw.currency ?? '',
      totalCents: parseMoneyCents(raw.total, `total of ${ref.id}`),
      items: raw.lines.map((line, index) => {
        const what = `line ${index + 1} of ${ref.id}`;
        const quantity = Number(line.quantity);
        if (!line.name || line.quantity === null || !Number.isFinite(quantity)) {
          throw new SyncError('PARSE_FAILED', `${what} lacks its name or quantity`);
        }
        return {
          name: line.name,
          ...(line.gtin && { gtin: line.gtin }),
          quantity,
          unit: (line.unit || 'ea') as ScrapedReceipt['items'][number]['unit'],
          unitPriceCents: parseMoneyCents(line.unitPrice, `unit price of ${what}`),
          paidCents: parseMoneyCents(line.paid, `amount paid of ${what}`),
          ...(line.regularPrice && {
            regularPriceCents: parseMoneyCents(line.regularPrice, `regular price of ${what}`),
          }),
        };
      }),
    };
  }
}
