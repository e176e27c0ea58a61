/**
 * One headless Chromium per process (launched on first use, through playwright-core with the system's
 * browser), one isolated browser context per sync: a context carries exactly one account's session.
 */
import { headlessChromiumArgs } from '@cartwatch/service-kit';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';

export type StorageState = Awaited<ReturnType<BrowserContext['storageState']>>;

export class BrowserHost {
  private browser: Promise<Browser> | undefined;

  constructor(private readonly executablePath: string) {}

  async newContext(storageState?: StorageState): Promise<BrowserContext> {
    this.browser ??= chromium.launch({
      executablePath: this.executablePath,
      headless: true,
      args: [...headlessChromiumArgs],
    });
    let browser: Browser;
    try {
      browser = await this.browser;
    } catch (error) {
      this.browser = undefined; // the next sync tries again
      throw error;
    }
    return browser.newContext({
      ...(storageState && { storageState }),
      // Nothing a sync needs; fewer requests to the retailer.
      serviceWorkers: 'block',
      acceptDownloads: false,
    });
  }

  async close(): Promise<void> {
    const browser = this.browser;
    this.browser = undefined;
    if (browser) await (await browser.catch(() => undefined))?.close();
  }
}
