/**
 * What a retailer adapter implements (docs/retailer-adapters.md). The framework (sync-runner.ts) owns
 * the browser, the stored session, politeness, error mapping and the import; an adapter only knows its
 * site: how to log in, where the order history is, how a receipt reads.
 */
import type { ReceiptIngestApi } from '@cartwatch/common-types';
import type { Page } from 'playwright-core';
import type { z } from 'zod';

export interface StoreCredentials {
  username: string;
  password: string;
}

/** What an adapter works with during one sync. */
export interface ScrapeContext {
  /** A page of a fresh browser context that carries the stored session (cookies, local storage). */
  readonly page: Page;
  /** Waits out the politeness delay since this sync's previous request; call before every navigation. */
  pace(): Promise<void>;
}

/** One receipt in the order history: the retailer's receipt id and where to read it. */
export interface ReceiptRef {
  id: string;
  url: string;
}

export interface PurchaseListing {
  /** Receipts newer than the cursor, in the order they should be imported. */
  refs: ReceiptRef[];
  /** The position after these receipts: stored once all of them are imported, passed to the next sync. */
  cursor: string | null;
}

/** A receipt as read from the site: the documented JSON receipt (`POST /receipts`) without the store. */
export type ScrapedReceipt = Omit<z.input<typeof ReceiptIngestApi.ReceiptInput>, 'storeSlug'>;

export interface RetailerAdapter<Raw = unknown> {
  /** The retailer's slug in the `retailer` table. */
  readonly slug: string;
  /**
   * Logs in on `context.page`. Throws `SyncError('LOGIN_FAILED')` when the site refuses the credentials,
   * `SyncError('BLOCKED')` on a captcha or rate limit. The framework captures the resulting cookies and
   * storage; return `expiresAt` when the site says how long the session lasts (else cookie expiry counts).
   */
  logIn(context: ScrapeContext, credentials: StoreCredentials): Promise<{ expiresAt?: Date } | undefined>;
  /**
   * The receipts after `cursor` (null: the whole history). Throws `SessionExpiredError` when the site
   * asks to log in, `SyncError('PARSE_FAILED')` when the page is not what the adapter expects.
   */
  listPurchasesSince(context: ScrapeContext, cursor: string | null): Promise<PurchaseListing>;
  /** Reads one receipt off the site into plain data (no interpretation yet). */
  fetchReceipt(context: ScrapeContext, ref: ReceiptRef): Promise<Raw>;
  /** Interprets what `fetchReceipt` read (pure: unit-testable without a browser). */
  parseReceipt(raw: Raw, ref: ReceiptRef): ScrapedReceipt;
}
