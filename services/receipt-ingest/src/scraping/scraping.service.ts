/** The sync API: queue a sync of one of the caller's store accounts, read the jobs and their status. */
import type { Page, ReceiptIngestApi } from '@cartwatch/common-types';
import { type Database, newId, withTransaction } from '@cartwatch/db';
import { AppError } from '@cartwatch/service-kit';
import type { z } from 'zod';
import type { Config } from '../config.js';
import type { DB } from '../db/schema.js';
import { pageBySlug } from '../stores/slug-page.js';
import { requireRetailer } from '../stores/stores.service.js';
import type { AdapterRegistry } from './adapter-registry.js';
import * as jobs from './sync-jobs.repository.js';

type SyncJob = z.infer<typeof ReceiptIngestApi.SyncJob>;
type SyncAccountStatus = z.infer<typeof ReceiptIngestApi.SyncAccountStatus>;

export interface ScrapingDeps {
  database: Database<DB>;
  adapters: AdapterRegistry;
  config: Pick<Config, 'SYNC_INTERVAL_MS' | 'SYNC_INTERVAL_JITTER' | 'SYNC_MAX_ATTEMPTS'>;
}

function toJob(row: jobs.SyncJobRow, storeSlug: string): SyncJob {
  return {
    id: row.id,
    storeSlug,
    trigger: row.trigger,
    state: row.state,
    attempt: row.attempt,
    maxAttempts: row.max_attempts,
    runAfter: row.run_after.toISOString(),
    startedAt: row.started_at?.toISOString() ?? null,
    finishedAt: row.finished_at?.toISOString() ?? null,
    errorCode: row.error_code as SyncJob['errorCode'],
    errorMessage: row.error_message,
    importedCount: row.imported_count,
    alreadyKnownCount: row.already_known_count,
    createdAt: row.created_at.toISOString(),
  };
}

/** Queues a sync of the caller's account at `slug`; a job already queued or running is returned instead. */
export async function requestSync(
  { database, adapters, config }: ScrapingDeps,
  userId: string,
  slug: string,
): Promise<{ job: SyncJob; created: boolean }> {
  const retailer = await requireRetailer(database, slug);
  const account = await jobs.findAccount(database.db, userId, retailer.id);
  if (!account) throw AppError.notFound('store account');
  if (!adapters.get(slug)) throw AppError.unprocessable(`${slug} has no sync adapter on this server`);
  if (account.status === 'reconnect_required') {
    throw AppError.conflict(`${slug} refused the stored credentials; connect the store again first`);
  }
  return withTransaction(database.db, async (trx) => {
    const created = await jobs.enqueueJob(
      trx,
      {
        id: newId(),
        store_account_id: account.id,
        user_id: userId,
        retailer_id: retailer.id,
        trigger: 'manual',
        max_attempts: config.SYNC_MAX_ATTEMPTS,
      },
      { intervalMs: config.SYNC_INTERVAL_MS, jitter: config.SYNC_INTERVAL_JITTER },
    );
    if (created) return { job: toJob(created, slug), created: true };
    const active = await jobs.findActiveJob(trx, account.id);
    // The active job ended between the insert and this read: extremely rare, asking again works.
    if (!active) throw AppError.conflict('a sync of this store just ended; ask again');
    return { job: toJob(active, slug), created: false };
  });
}

export async function getJob(database: Database<DB>, userId: string, jobId: string): Promise<SyncJob> {
  const row = await jobs.findUserJob(database.db, userId, jobId);
  if (!row) throw AppError.notFound('sync job');
  return toJob(row, row.store_slug);
}

function toStatus(row: jobs.StatusRow): SyncAccountStatus {
  const accountStatus = row.account_status as SyncAccountStatus['accountStatus'];
  const nextRun =
    row.job_state === 'queued'
      ? row.job_run_after
      : accountStatus === 'reconnect_required'
        ? null
        : row.next_sync_at;
  return {
    storeSlug: row.store_slug,
    storeName: row.store_name,
    accountStatus,
    state: row.job_state,
    jobId: row.job_id,
    lastRunAt: row.last_run_at?.toISOString() ?? null,
    lastSuccessAt: row.last_sync_at?.toISOString() ?? null,
    nextRunAt: nextRun?.toISOString() ?? null,
    errorCode: (row.job_error_code ?? row.last_error_code) as SyncAccountStatus['errorCode'],
    errorMessage: row.job_error_message ?? row.last_error_message,
    importedCount: row.job_imported_count ?? 0,
    alreadyKnownCount: row.job_already_known_count ?? 0,
  };
}

export async function listSyncStatus(
  database: Database<DB>,
  userId: string,
  query: { limit: number; cursor?: string | undefined },
): Promise<Page<SyncAccountStatus>> {
  return pageBySlug(
    query,
    (afterSlug, limit) => jobs.listStatuses(database.db, userId, afterSlug, limit),
    (row) => row.store_slug,
    toStatus,
  );
}
