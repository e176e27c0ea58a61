/**
 * One headless Chromium per process (launched on first use, through playwright-core with the system's
 * browser), one isolated browser context per sync: a context carries exactly one account's session.
 * Chromium is closed once no sync has used it for `idleMs` (the syncs of one round share it), so an idle
 * process runs no browser; playwright-core itself is loaded by the first sync (playwright.ts).
 */
import { headlessChromiumArgs } from '@cartwatch/service-kit';
import type { Browser, BrowserContext } from 'playwright-core';
import { loadPlaywright } from './playwright.js';

export type StorageState = Awaited<ReturnType<BrowserContext['storageState']>>;

/** How long Chromium stays up after the last sync context closed. */
export const BROWSER_IDLE_MS = 60_000;

export class BrowserHost {
  private browser: Promise<Browser> | undefined;
  private contexts = 0;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly executablePath: string,
    private readonly idleMs = BROWSER_IDLE_MS,
  ) {}

  async newContext(storageState?: StorageState): Promise<BrowserContext> {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    this.contexts += 1;
    try {
      this.browser ??= loadPlaywright().then(({ chromium }) =>
        chromium.launch({
          executablePath: this.executablePath,
          headless: true,
          args: [...headlessChromiumArgs],
        }),
      );
      let browser: Browser;
      try {
        browser = await this.browser;
      } catch (error) {
        this.browser = undefined; // the next sync tries again
        throw error;
      }
      const context = await browser.newContext({
        ...(storageState && { storageState }),
        // Nothing a sync needs; fewer requests to the retailer.
        serviceWorkers: 'block',
        acceptDownloads: false,
      });
      context.once('close', () => this.release());
      return context;
    } catch (error) {
      this.release();
      throw error;
    }
  }

  /** The browser is running (for tests and diagnostics). */
  get running(): boolean {
    return this.browser !== undefined;
  }

  private release(): void {
    this.contexts -= 1;
    if (this.contexts > 0 || !this.browser) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.contexts === 0) void this.close();
    }, this.idleMs);
    this.idleTimer.unref();
  }

  async close(): Promise<void> {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    const browser = this.browser;
    this.browser = undefined;
    if (browser) await (await browser.catch(() => undefined))?.close();
  }
}
