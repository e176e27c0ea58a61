/**
 * The store-sync worker: each round it queues the periodic syncs that are due (interval with jitter),
 * leases runnable jobs within the per-retailer limits (sync-jobs.repository.ts), runs them with bounded
 * concurrency while renewing their leases, and ends each one: succeeded; re-queued with exponential
 * backoff for NETWORK, BLOCKED and INTERNAL failures while attempts remain; failed otherwise
 * (LOGIN_FAILED also marks the account for re-connecting). Jobs are rows, so they survive restarts, and
 * a crashed worker's job is taken over once its lease expires.
 */
import { hostname } from 'node:os';
import { type Database, newId, withTransaction } from '@cartwatch/db';
import { PollingLoop } from '@cartwatch/service-kit';
import type { Logger } from 'pino';
import type { DB } from '../db/schema.js';
import { isRetryable, SyncError } from './sync-error.js';
import * as jobs from './sync-jobs.repository.js';
import type { SyncResult } from './sync-runner.js';

export interface RetryPolicy {
  baseMs: number;
  maxMs: number;
}

/**
 * Delay before retry number `attempt` (1 = after the first failed run): `base × 2^(attempt-1)` capped at
 * `max`, of which the upper half is random ("equal jitter"), so retries of many accounts blocked by the
 * same retailer spread out instead of returning together.
 */
export function retryDelayMs(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
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

export class SyncScheduler {
  readonly owner: string;
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly loop: PollingLoop;

  constructor(private readonly options: SyncSchedulerOptions) {
    this.owner = options.owner ?? `${hostname()}:${process.pid}:${newId()}`;
    this.loop = new PollingLoop(
      async () => {
        await this.enqueueDue();
        await this.claimAndStart();
      },
      { intervalMs: options.pollIntervalMs ?? 2_000, logger: options.logger, name: 'sync scheduler' },
    );
  }

  start(): void {
    this.loop.start();
  }

  /** Stops claiming and waits for the runs in flight (their ends are recorded). */
  async stop(): Promise<void> {
    this.loop.stop();
    await Promise.allSettled(this.inFlight.values());
  }

  /** One round (what tests call): queue due syncs, claim, and wait for the claimed runs to end. */
  async runOnce(): Promise<string[]> {
    await this.enqueueDue();
    const started = await this.claimAndStart();
    await Promise.allSettled(started.map((job) => this.inFlight.get(job.id)));
    return started.map((job) => job.id);
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

  private async claimAndStart(): Promise<jobs.SyncJobWithStore[]> {
    const slots = this.options.concurrency - this.inFlight.size;
    if (slots <= 0) return [];
    const claimed = await withTransaction(this.options.database.db, (trx) =>
      jobs.claimJobs(trx, {
        owner: this.owner,
        leaseMs: this.options.leaseMs,
        limit: slots,
        retailerConcurrency: this.options.retailerConcurrency,
        retailerDelayMs: this.options.retailerDelayMs,
      }),
    );
    for (const job of claimed) {
      const run = this.runJob(job)
        .catch((error: unknown) =>
          this.options.logger.error({ err: error, jobId: job.id }, 'sync job bookkeeping failed'),
        )
        .finally(() => this.inFlight.delete(job.id));
      this.inFlight.set(job.id, run);
    }
    return claimed;
  }

  private async runJob(job: jobs.SyncJobWithStore): Promise<void> {
    const { database, logger, leaseMs } = this.options;
    const log = logger.child({ jobId: job.id, storeSlug: job.store_slug, attempt: job.attempt });
    const heartbeat = setInterval(
      () => {
        jobs.renewLease(database.db, job.id, this.owner, leaseMs).then(
          (held) => held || log.warn('lost the lease of a running sync job'),
          (error: unknown) => log.warn({ err: error }, 'could not renew a sync job lease'),
        );
      },
      Math.max(1_000, Math.floor(leaseMs / 3)),
    );
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
    } finally {
      clearInterval(heartbeat);
    }
    await this.recordEnd(job, outcome, log);
  }

  private async recordEnd(
    job: jobs.SyncJobWithStore,
    outcome: { result: SyncResult } | { error: SyncError },
    log: Logger,
  ): Promise<void> {
    await withTransaction(this.options.database.db, async (trx) => {
      if ('result' in outcome) {
        const { result } = outcome;
        const ended = await jobs.finishRun(trx, job.id, this.owner, {
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
        this.owner,
        retry
          ? {
              state: 'queued',
              errorCode: code,
              errorMessage: message,
              retryInMs: retryDelayMs(job.attempt, this.options.retry, this.options.random),
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
