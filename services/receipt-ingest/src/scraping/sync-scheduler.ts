/**
 * The store-sync worker: each round it queues the periodic syncs that are due (interval with jitter),
 * leases runnable jobs within the per-retailer limits (sync-jobs.repository.ts), runs them with bounded
 * concurrency while renewing their leases (service-kit's LeasedJobRunner), and ends each one: succeeded; re-queued with exponential
 * backoff for NETWORK, BLOCKED and INTERNAL failures while attempts remain; failed otherwise
 * (LOGIN_FAILED also marks the account for re-connecting). Jobs are rows, so they survive restarts, and
 * a crashed worker's job is taken over once its lease expires.
 */
import { type Database, newId, withTransaction } from '@cartwatch/db';
import { exponentialBackoffMs, LeasedJobRunner } from '@cartwatch/service-kit';
import type { Logger } from 'pino';
import type { DB } from '../db/schema.js';
import { isRetryable, SyncError } from './sync-error.js';
import * as jobs from './sync-jobs.repository.js';
import type { SyncResult } from './sync-runner.js';

export interface RetryPolicy {
  baseMs: number;
  maxMs: number;
}

export interface SyncSchedulerOptions {
  database: Database<DB>;
  /** Runs one account's sync (SyncRunner.run in the process; tests may pass their own). */
  runSync(account: jobs.SyncAccountRow): Promise<SyncResult>;
  logger: Logger;
  /** Slugs with a registered adapter: only their accounts get periodic jobs. */
  syncedSlugs: string[];
  concurrency: number;
  retailerConcurrency: number;
  retailerDelayMs: number;
  intervalMs: number;
  intervalJitter: number;
  maxAttempts: number;
  retry: RetryPolicy;
  leaseMs: number;
  pollIntervalMs?: number;
  owner?: string;
  random?: () => number;
}

export class SyncScheduler extends LeasedJobRunner<jobs.SyncJobWithStore> {
  constructor(private readonly options: SyncSchedulerOptions) {
    super(
      {
        // Each round first queues the periodic syncs that came due, then leases within the retailer limits.
        claim: async (owner, free) => {
          await this.enqueueDue();
          return withTransaction(options.database.db, (trx) =>
            jobs.claimJobs(trx, {
              owner,
              leaseMs: options.leaseMs,
              limit: free.jobs,
              retailerConcurrency: options.retailerConcurrency,
              retailerDelayMs: options.retailerDelayMs,
            }),
          );
        },
        run: (job, owner) => this.runJob(job, owner),
        idOf: (job) => job.id,
        renew: {
          everyMs: Math.max(1_000, Math.floor(options.leaseMs / 3)),
          run: (job, owner) => jobs.renewLease(options.database.db, job.id, owner, options.leaseMs),
        },
      },
      {
        name: 'sync scheduler',
        logger: options.logger,
        pollIntervalMs: options.pollIntervalMs ?? 2_000,
        concurrency: { jobs: options.concurrency },
        owner: options.owner,
      },
    );
  }

  /** One round (what tests call): queue due syncs, claim, and wait for the claimed runs to end. */
  async runOnce(): Promise<string[]> {
    const started = await this.round();
    await this.idle();
    return started;
  }

  async enqueueDue(): Promise<number> {
    return withTransaction(this.options.database.db, (trx) =>
      jobs.enqueueDueJobs(trx, {
        slugs: this.options.syncedSlugs,
        maxAttempts: this.options.maxAttempts,
        intervalMs: this.options.intervalMs,
        jitter: this.options.intervalJitter,
        limit: 100,
        newId,
      }),
    );
  }

  private async runJob(job: jobs.SyncJobWithStore, owner: string): Promise<void> {
    const { database, logger } = this.options;
    const log = logger.child({ jobId: job.id, storeSlug: job.store_slug, attempt: job.attempt });
    let outcome: { result: SyncResult } | { error: SyncError };
    try {
      const account = await jobs.findAccountForSync(database.db, job.store_account_id);
      if (!account) throw new SyncError('INTERNAL', 'the store account is gone');
      if (job.attempt > job.max_attempts) {
        // Its worker died on every attempt: stop taking it over.
        throw new SyncError('INTERNAL', `the job was abandoned by its worker ${job.max_attempts} times`);
      }
      await jobs.markSyncing(database.db, account.id);
      log.info('store sync started');
      outcome = { result: await this.options.runSync(account) };
    } catch (error) {
      outcome = { error: error instanceof SyncError ? error : new SyncError('INTERNAL', 'the sync failed') };
      if (!(error instanceof SyncError)) log.error({ err: error }, 'store sync crashed');
    }
    await this.recordEnd(job, owner, outcome, log);
  }

  private async recordEnd(
    job: jobs.SyncJobWithStore,
    owner: string,
    outcome: { result: SyncResult } | { error: SyncError },
    log: Logger,
  ): Promise<void> {
    await withTransaction(this.options.database.db, async (trx) => {
      if ('result' in outcome) {
        const { result } = outcome;
        const ended = await jobs.finishRun(trx, job.id, owner, {
          state: 'succeeded',
          importedCount: result.importedCount,
          alreadyKnownCount: result.alreadyKnownCount,
        });
        if (!ended) {
          log.warn('sync finished after its lease was taken over; result dropped');
          return;
        }
        await jobs.recordSyncSuccess(trx, job.store_account_id, {
          cursor: result.cursor,
          session: result.session,
        });
        log.info(
          {
            importedCount: result.importedCount,
            alreadyKnownCount: result.alreadyKnownCount,
            loggedIn: result.loggedIn,
          },
          'store sync succeeded',
        );
        return;
      }
      const { code, message } = outcome.error;
      const retry = isRetryable(code) && job.attempt < job.max_attempts;
      const ended = await jobs.finishRun(
        trx,
        job.id,
        owner,
        retry
          ? {
              state: 'queued',
              errorCode: code,
              errorMessage: message,
              retryInMs: exponentialBackoffMs(
                job.attempt,
                this.options.retry.baseMs,
                this.options.retry.maxMs,
                this.options.random,
              ),
            }
          : {
              state: 'failed',
              errorCode: code,
              errorMessage: message,
              importedCount: 0,
              alreadyKnownCount: 0,
            },
      );
      if (!ended) {
        log.warn('sync failed after its lease was taken over; outcome dropped');
        return;
      }
      await jobs.recordSyncFailure(trx, job.store_account_id, { code, message });
      log.warn({ errorCode: code, errorMessage: message, retry }, 'store sync failed');
    });
  }
}
