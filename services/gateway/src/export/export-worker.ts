/**
 * The export worker: builds the account exports users asked for (POST /me/export), after the request's
 * transaction committed and never inside one. Each round it leases due jobs (FOR UPDATE SKIP LOCKED, so
 * every gateway replica runs one and they share the work; a job whose worker died is taken over when
 * its lease runs out), collects the user's data from every service, and records the outcome: ready with
 * the zip; retried later with exponential backoff when a service failed; or failed after the last
 * attempt, with the reason the user sees. A run is idempotent per job id: it rebuilds the same archive,
 * and only the lease holder may record it. Same machinery as the delivery worker (delivery-worker.ts):
 * service-kit's PollingLoop, leases in Postgres, `workers` of the service definition.
 */
import { hostname } from 'node:os';
import { type Database, newId, withTransaction } from '@cartwatch/db';
import { exponentialBackoffMs } from '@cartwatch/events';
import { PollingLoop } from '@cartwatch/service-kit';
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

export class ExportWorker {
  readonly owner: string;
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly loop: PollingLoop;
  private nextCleanupAt = 0;

  constructor(private readonly options: ExportWorkerOptions) {
    this.owner = options.owner ?? `${hostname()}:${process.pid}:${newId()}`;
    this.loop = new PollingLoop(() => this.round(), {
      intervalMs: options.pollIntervalMs,
      logger: options.logger,
      name: 'export worker',
    });
  }

  start(): void {
    this.loop.start();
  }

  /** Stops claiming and waits for the exports being built (their outcomes are recorded). */
  async stop(): Promise<void> {
    this.loop.stop();
    await this.idle();
  }

  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight.values()]);
  }

  /** One round: expire old archives, claim what is due within the free slots and start building it. */
  async round(): Promise<string[]> {
    await this.cleanup();
    const free = (this.options.concurrency ?? 1) - this.inFlight.size;
    const claimed = await withTransaction(this.options.database.db, (trx) =>
      repo.claimDueExports(trx, { owner: this.owner, leaseMs: this.options.leaseMs, limit: free }),
    );
    for (const row of claimed) {
      const run = this.build(row)
        .catch((error: unknown) =>
          this.options.logger.error({ err: error, exportId: row.id }, 'export bookkeeping failed'),
        )
        .finally(() => this.inFlight.delete(row.id));
      this.inFlight.set(row.id, run);
    }
    return claimed.map((row) => row.id);
  }

  /** Rounds until nothing is due, waiting for each round's builds (what tests call instead of the timer). */
  async drain(): Promise<void> {
    for (;;) {
      const claimed = await this.round();
      await this.idle();
      if (claimed.length === 0) return;
    }
  }

  private async build(row: repo.ExportRow): Promise<void> {
    const { database, logger } = this.options;
    const log = logger.child({ exportId: row.id, attempt: row.attempts });
    let end: repo.ExportEnd;
    try {
      if (row.attempts > row.max_attempts)
        // Its worker died on every attempt (the lease ran out each time): stop taking it over.
        throw new ExportAreaFailure('abandoned after its worker stopped on every attempt');
      const archive = await this.options.collector.collect(row.user_id, row.id, {
        progress: async (done) => {
          await repo.recordProgress(database.db, row.id, this.owner, done);
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
    const recorded = await repo.finishExport(database.db, row.id, this.owner, end);
    if (!recorded) log.warn('export ended after its lease was taken over; outcome dropped');
    else log.info({ status: end.status }, 'export run ended');
  }

  private async cleanup(): Promise<void> {
    if (Date.now() < this.nextCleanupAt) return;
    this.nextCleanupAt = Date.now() + CLEANUP_EVERY_MS;
    const expired = await repo.expireArchives(this.options.database.db);
    const deleted = await repo.deleteOldExports(this.options.database.db, RECORD_DAYS);
    if (expired + deleted > 0) this.options.logger.debug({ expired, deleted }, 'export cleanup');
  }
}
