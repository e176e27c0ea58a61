/**
 * Typed failures of a store sync. Adapters throw `SyncError` with the code that says what went wrong
 * at the retailer; `classifySyncError` maps anything else (Playwright timeouts, network errors, our own
 * bugs) to a code, so every failed job carries one of `SyncErrorCode`.
 */
import type { FieldIssue, ReceiptIngestApi } from '@cartwatch/common-types';
import { AppError } from '@cartwatch/service-kit';
import type { z } from 'zod';
import { loadedPlaywright } from './playwright.js';

export type SyncErrorCode = z.infer<typeof ReceiptIngestApi.SyncErrorCode>;

export class SyncError extends Error {
  constructor(
    readonly code: SyncErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SyncError';
  }
}

/**
 * The stored session no longer works (the site asks to log in again): the runner logs in once more and
 * repeats the step. Never stored as a job error.
 */
export class SessionExpiredError extends Error {
  constructor(message = 'the retailer session has expired') {
    super(message);
    this.name = 'SessionExpiredError';
  }
}

/** Worth another attempt later; LOGIN_FAILED and PARSE_FAILED would fail the same way again. */
export function isRetryable(code: SyncErrorCode): boolean {
  return code === 'NETWORK' || code === 'BLOCKED' || code === 'INTERNAL';
}

const networkMessage = /net::ERR_|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|socket hang up/;

export function classifySyncError(error: unknown): SyncError {
  if (error instanceof SyncError) return error;
  const playwright = loadedPlaywright();
  if (playwright && error instanceof playwright.errors.TimeoutError) {
    return new SyncError('NETWORK', 'the retailer site did not answer in time', { cause: error });
  }
  if (error instanceof AppError && error.code === 'VALIDATION_FAILED') {
    // The import path refused what the adapter read: the page did not say what the adapter thought.
    const issues = (error.details?.issues as FieldIssue[] | undefined) ?? [];
    const summary = issues
      .slice(0, 3)
      .map((issue) => `${issue.path}: ${issue.message}`)
      .join('; ');
    return new SyncError('PARSE_FAILED', `a scraped receipt was rejected (${summary})`, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  if (networkMessage.test(message)) {
    return new SyncError('NETWORK', 'the retailer site could not be reached', { cause: error });
  }
  return new SyncError('INTERNAL', 'the sync failed inside CartWatch', { cause: error });
}
