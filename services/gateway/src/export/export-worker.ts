/**
 * The export worker: builds the account exports users asked for (POST /me/export), after the request's
 * transaction committed and never inside one. Each round it leases due jobs (FOR UPDATE SKIP LOCKED, so
 * every gateway replica runs one and they share the work; a job whose worker died is taken over when
 * its lease runs out), collects the user's data from every service, and records the outcome: ready with
 * the zip; retried later with exponential backoff when a service failed; or failed after the last
 * attempt, with the reason the user sees. A run is idempotent per job id: it rebuilds the same archive,
 * and only the lease holder may record it. Same machinery as the delivery worker (delivery-worker.ts):
 * service-kit's LeasedJobRunner, leases in Postgres, `workers` of the service definition.
 */
import { type Database, withTransaction } from '@cartwatch/db';
import { exponentialBackoffMs, LeasedJobRunner } from '@cartwatch/service-kit';
import type { Logger } from 'pino';
import type { DB } from '../db/schema.js';
import * as repo from './export.repository.js';
import { ExportAreaFailure, type ExportCollector } from './export-collector.js';

export interface ExportWorkerOptions {
  database: Database<DB>;
  collector: Pick<ExportCollector, 'collect'>;
  logger: Logger;
  leaseMs: number;
  retry: { baseMs: number; maxMs: number };
  retentionMs: number;
  pollIntervalMs: number;
  /** Exports built at once by this process. */
  concurrency?: number;
  owner?: string;
}

const CLEANUP_EVERY_MS = 10 * 60_000;
/** How long the record of an export (not its archive) is kept: the rate limit's window and then some. */
const RECORD_DAYS = 7;

export class ExportWorker extends LeasedJobRunner<repo.ExportRow> {
  constructor(private readonly options: ExportWorkerOptions) {
    super(
      {
        claim: (owner, free) =>
          withTransaction(options.database.db, (trx) =>
            repo.claimDueExports(trx, { owner, leaseMs: options.leaseMs, limit: free.jobs }),
          ),
        run: (row, owner) => this.build(row, owner),
        idOf: (row) => row.id,
        housekeeping: { everyMs: CLEANUP_EVERY_MS, run: () => this.cleanup() },
      },
      {
        name: 'export worker',
        logger: options.logger,
        pollIntervalMs: options.pollIntervalMs,
        concurrency: { jobs: options.concurrency ?? 1 },
        owner: options.owner,
      },
    );
  }

  private async build(row: repo.ExportRow, owner: string): Promise<void> {
    const { database, logger } = this.options;
    const log = logger.child({ exportId: row.id, attempt: row.attempts });
    let end: repo.ExportEnd;
    try {
      if (row.attempts > row.max_attempts)
        // Its worker died on every attempt (the lease ran out each time): stop taking it over.
        throw new ExportAreaFailure('abandoned after its worker stopped on every attempt');
      const archive = await this.options.collector.collect(row.user_id, row.id, {
        progress: async (done) => {
          await repo.recordProgress(database.db, row.id, owner, done);
        },
      });
      end = { status: 'ready', archive, retentionMs: this.options.retentionMs };
    } catch (error) {
      const reason =
        error instanceof ExportAreaFailure ? error.message : 'the export could not be built (internal error)';
      log.warn({ err: error }, 'export attempt failed');
      end =
        row.attempts >= row.max_attempts
          ? { status: 'failed', error: reason, retentionMs: this.options.retentionMs }
          : {
              status: 'retry',
              error: reason,
              retryInMs: exponentialBackoffMs(
                row.attempts,
                this.options.retry.baseMs,
                this.options.retry.maxMs,
              ),
            };
    }
    const recorded = await repo.finishExport(database.db, row.id, owner, end);
    if (!recorded) log.warn('export ended after its lease was taken over; outcome dropped');
    else log.info({ status: end.status }, 'export run ended');
  }

  private async cleanup(): Promise<void> {
    const expired = await repo.expireArchives(this.options.database.db);
    const deleted = await repo.deleteOldExports(this.options.database.db, RECORD_DAYS);
    if (expired + deleted > 0) this.options.logger.debug({ expired, deleted }, 'export cleanup');
  }
}
