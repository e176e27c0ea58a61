/**
 * One run of a sync job: open the account's credentials and stored session, reuse the session while it
 * lasts (log in again when it expired or the site rejects it), list the receipts after the account's
 * cursor, fetch and parse each, and record them through the same import path as `POST /receipts`
 * (validation, dedupe, `purchase.recorded.v1` through the outbox). Nothing about the account changes
 * here: the caller stores the result (cursor, session) or the error with the job's end.
 */
import { ReceiptIngestApi } from '@cartwatch/common-types';
import type { Database } from '@cartwatch/db';
import { safeParseInput } from '@cartwatch/service-kit';
import type { Logger } from 'pino';
import { credentialContext } from '../accounts/accounts.service.js';
import type { CredentialCipher, Sealed } from '../accounts/credential-cipher.js';
import type { DB } from '../db/schema.js';
import type { NormalizedReceipt } from '../receipts/normalized-receipt.js';
import { recordReceipts } from '../receipts/receipt-import.service.js';
import { normalizeJsonReceipt } from '../receipts/receipts.service.js';
import type { AdapterRegistry } from './adapter-registry.js';
import type { BrowserHost, StorageState } from './browser-host.js';
import type { RetailerAdapter, ScrapeContext, ScrapedReceipt, StoreCredentials } from './retailer-adapter.js';
import { classifySyncError, SessionExpiredError, SyncError } from './sync-error.js';
import type { SessionUpdate, SyncAccountRow } from './sync-jobs.repository.js';

export interface SyncRunnerOptions {
  database: Database<DB>;
  cipher: CredentialCipher;
  adapters: AdapterRegistry;
  browser: BrowserHost;
  logger: Logger;
  requestDelayMs: number;
  navigationTimeoutMs: number;
  sessionMaxAgeMs: number;
}

export interface SyncResult {
  importedCount: number;
  alreadyKnownCount: number;
  loggedIn: boolean;
  cursor: string | null;
  session: SessionUpdate;
}

interface StoredSession {
  storageState: StorageState;
  expiresAt: string;
}

/** Receipts recorded per transaction (the import validates and writes a batch all or nothing). */
const RECORD_BATCH = 50;

/** Additional data binding a sealed session to its owner and store (as for credentials). */
export function sessionContext(userId: string, storeSlug: string): string {
  return `session:${userId}:${storeSlug}`;
}

/** The documented JSON receipt path, so a scraped receipt is checked exactly like an uploaded one. */
export function toNormalizedReceipt(
  storeSlug: string,
  scraped: ScrapedReceipt,
  path: string,
): NormalizedReceipt {
  const parsed = safeParseInput(ReceiptIngestApi.ReceiptInput, { ...scraped, storeSlug });
  if (!parsed.success) {
    const issues = parsed.issues
      .slice(0, 3)
      .map((issue) => `${issue.path}: ${issue.message}`)
      .join('; ');
    throw new SyncError('PARSE_FAILED', `${path} does not read as a receipt (${issues})`);
  }
  return normalizeJsonReceipt(parsed.data, path, 'sync');
}

/** The earliest expiry of the site's cookies, if any has one. */
function cookieExpiry(state: StorageState): Date | undefined {
  const expiries = state.cookies.map((cookie) => cookie.expires).filter((expires) => expires > 0);
  return expiries.length === 0 ? undefined : new Date(Math.min(...expiries) * 1000);
}

/** Removes the secrets from a message that may quote what was typed (never store or log them). */
function scrub(message: string, credentials: StoreCredentials | undefined): string {
  if (!credentials || credentials.password.length === 0) return message;
  return message.split(credentials.password).join('[redacted]');
}

export class SyncRunner {
  constructor(private readonly options: SyncRunnerOptions) {}

  /** Runs the sync of one account; throws a `SyncError` (secrets scrubbed from its message). */
  async run(account: SyncAccountRow): Promise<SyncResult> {
    let credentials: StoreCredentials | undefined;
    try {
      const adapter = this.options.adapters.get(account.store_slug);
      if (!adapter) throw new SyncError('INTERNAL', `no sync adapter for ${account.store_slug}`);
      credentials = this.openCredentials(account);
      return await this.runWith(adapter, account, credentials);
    } catch (error) {
      const failure = classifySyncError(error);
      if (failure.code === 'INTERNAL') {
        this.options.logger.error({ err: error, storeAccountId: account.id }, 'store sync failed internally');
      }
      throw new SyncError(failure.code, scrub(failure.message, credentials));
    }
  }

  private openCredentials(account: SyncAccountRow): StoreCredentials {
    const sealed: Sealed = { keyId: account.credential_key_id, ciphertext: account.credential_ciphertext };
    return JSON.parse(
      this.options.cipher.open(sealed, credentialContext(account.user_id, account.store_slug)),
    ) as StoreCredentials;
  }

  /** The stored session while it has not expired; one that does not open (rotated key) is ignored. */
  private openSession(account: SyncAccountRow): StoredSession | undefined {
    if (!account.session_ciphertext || !account.session_key_id) return undefined;
    if (!account.session_expires_at || account.session_expires_at.getTime() <= Date.now()) return undefined;
    try {
      const opened = this.options.cipher.open(
        { keyId: account.session_key_id, ciphertext: account.session_ciphertext },
        sessionContext(account.user_id, account.store_slug),
      );
      return JSON.parse(opened) as StoredSession;
    } catch {
      return undefined;
    }
  }

  private async runWith(
    adapter: RetailerAdapter,
    account: SyncAccountRow,
    credentials: StoreCredentials,
  ): Promise<SyncResult> {
    const stored = this.openSession(account);
    const browserContext = await this.options.browser.newContext(stored?.storageState);
    try {
      const page = await browserContext.newPage();
      page.setDefaultTimeout(this.options.navigationTimeoutMs);
      page.setDefaultNavigationTimeout(this.options.navigationTimeoutMs);
      let lastRequestAt = 0;
      const context: ScrapeContext = {
        page,
        pace: async () => {
          const wait = lastRequestAt + this.options.requestDelayMs - Date.now();
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
          lastRequestAt = Date.now();
        },
      };

      let loggedIn = false;
      let expiresAt: Date | undefined = stored ? new Date(stored.expiresAt) : undefined;
      const logIn = async () => {
        await browserContext.clearCookies();
        const answer = await adapter.logIn(context, credentials);
        loggedIn = true;
        expiresAt = answer?.expiresAt;
      };
      // A step that finds the session gone logs in once and repeats; a second refusal is the site's fault.
      const withSession = async <T>(step: () => Promise<T>): Promise<T> => {
        try {
          return await step();
        } catch (error) {
          if (!(error instanceof SessionExpiredError)) throw error;
          if (loggedIn) throw new SyncError('PARSE_FAILED', 'the site asks to log in right after logging in');
          this.options.logger.info(
            { storeAccountId: account.id },
            'retailer session expired; logging in again',
          );
          await logIn();
          return step();
        }
      };

      if (!stored) await logIn();
      const listing = await withSession(() => adapter.listPurchasesSince(context, account.sync_cursor));
      const receipts: NormalizedReceipt[] = [];
      for (const ref of listing.refs) {
        const raw = await withSession(() => adapter.fetchReceipt(context, ref));
        receipts.push(
          toNormalizedReceipt(account.store_slug, adapter.parseReceipt(raw, ref), `receipt ${ref.id}`),
        );
      }
      let importedCount = 0;
      for (let start = 0; start < receipts.length; start += RECORD_BATCH) {
        const recorded = await recordReceipts(
          this.options.database,
          account.user_id,
          receipts.slice(start, start + RECORD_BATCH),
        );
        importedCount += recorded.filter((receipt) => receipt.created).length;
      }

      const storageState = await browserContext.storageState();
      const sessionExpiry =
        (loggedIn ? expiresAt : undefined) ??
        cookieExpiry(storageState) ??
        expiresAt ??
        new Date(Date.now() + this.options.sessionMaxAgeMs);
      const sealed = this.options.cipher.seal(
        JSON.stringify({ storageState, expiresAt: sessionExpiry.toISOString() } satisfies StoredSession),
        sessionContext(account.user_id, account.store_slug),
      );
      return {
        importedCount,
        alreadyKnownCount: receipts.length - importedCount,
        loggedIn,
        cursor: listing.cursor,
        session: { ciphertext: sealed.ciphertext, keyId: sealed.keyId, expiresAt: sessionExpiry },
      };
    } finally {
      await browserContext.close();
    }
  }
}
