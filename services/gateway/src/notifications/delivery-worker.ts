/**
 * The delivery worker: sends what the gateway queued in `notification_delivery` (alerts by e-mail, SMS,
 * webhook and web push; one-time codes and account notices), always outside any database transaction.
 *
 * Each round it leases due rows per lane up to the lane's free slots (account messages have their own
 * lane, so codes never wait behind alerts; each alert channel has its own, so a slow webhook only uses up
 * webhook slots), starts each send without waiting for it, and records the outcome: sent; retried later
 * with exponential backoff and jitter; or failed (a permanent refusal, or the last attempt), with the
 * error the user sees. Rows are leased with FOR UPDATE SKIP LOCKED, so several replicas share the work,
 * and a row whose worker died is taken over when its lease expires (service-kit's LeasedJobRunner).
 */
import { type Database, withTransaction } from '@cartwatch/db';
import { exponentialBackoffMs, LeasedJobRunner } from '@cartwatch/service-kit';
import type { OutboundTransport } from '@cartwatch/service-kit/safe-http';
import type { Logger } from 'pino';
import type { DB, DeliveryLane } from '../db/schema.js';
import type { Notifier } from '../notify/notifier.js';
import * as repo from './delivery.repository.js';
import { DeliveryFailure, type DeliverySend, sendDelivery } from './delivery-senders.js';
import type { VapidKeys } from './vapid-keys.js';
import type { TargetPolicy } from './webhook-target.js';

export const DELIVERY_LANES: readonly DeliveryLane[] = ['account', 'email', 'sms', 'webhook', 'push'];

export interface DeliveryWorkerOptions {
  database: Database<DB>;
  notifier: Notifier;
  /** How webhooks and push endpoints are reached (service-kit's system transport; tests inject theirs). */
  transport: OutboundTransport;
  policy: TargetPolicy;
  /** One webhook or push exchange, redirects included (DELIVERY_SEND_TIMEOUT_MS). */
  sendTimeoutMs?: number | undefined;
  vapid: VapidKeys;
  logger: Logger;
  /** Sends in flight per lane in this process. */
  concurrency: Record<DeliveryLane, number>;
  leaseMs: number;
  retry: { baseMs: number; maxMs: number };
  pollIntervalMs: number;
  retentionDays: number;
  owner?: string;
  /** The clock deliveries come due by (quiet hours end, retries); default the database's. */
  now?: (() => number) | undefined;
}

const CLEANUP_EVERY_MS = 10 * 60_000;

export class DeliveryWorker extends LeasedJobRunner<repo.DeliveryRow, DeliveryLane> {
  constructor(private readonly options: DeliveryWorkerOptions) {
    const { now } = options;
    super(
      {
        claim: (owner, free) =>
          withTransaction(options.database.db, (trx) =>
            repo.claimDueDeliveries(trx, {
              owner,
              leaseMs: options.leaseMs,
              slots: free,
              now: now && new Date(now()),
            }),
          ),
        run: (row, owner) => this.deliver(row, owner),
        idOf: (row) => row.id,
        laneOf: (row) => row.lane,
        // Account messages (codes) first: they are claimed in the same round but started before the rest.
        startOrder: (row) => (row.lane === 'account' ? 0 : 1),
        housekeeping: { everyMs: CLEANUP_EVERY_MS, run: () => this.cleanup() },
      },
      {
        name: 'delivery worker',
        logger: options.logger,
        pollIntervalMs: options.pollIntervalMs,
        concurrency: options.concurrency,
        owner: options.owner,
      },
    );
  }

  private async deliver(row: repo.DeliveryRow, owner: string): Promise<void> {
    const { logger } = this.options;
    const log = logger.child({
      deliveryId: row.id,
      channel: row.channel,
      kind: row.kind,
      attempt: row.attempts,
    });
    let end: repo.DeliveryEnd;
    try {
      if (row.expires_at !== null && row.expires_at.getTime() < Date.now())
        throw new DeliveryFailure('expired before it could be sent', { permanent: true });
      if (row.attempts > row.max_attempts)
        // Its worker died on every attempt (the lease ran out each time): stop taking it over.
        throw new DeliveryFailure('abandoned after its worker stopped on every attempt', { permanent: true });
      await sendDelivery(row as DeliverySend, this.options);
      end = { status: 'sent' };
    } catch (error) {
      const failure =
        error instanceof DeliveryFailure
          ? error
          : new DeliveryFailure('the delivery failed', { permanent: false, cause: error });
      if (!(error instanceof DeliveryFailure) || failure.cause)
        log.warn({ err: failure.cause ?? error }, 'delivery attempt failed');
      end =
        failure.permanent || row.attempts >= row.max_attempts
          ? { status: 'failed', error: failure.message }
          : {
              status: 'retry',
              error: failure.message,
              retryInMs: exponentialBackoffMs(
                row.attempts,
                this.options.retry.baseMs,
                this.options.retry.maxMs,
              ),
            };
    }
    const recorded = await repo.finishDelivery(this.options.database.db, row.id, owner, end);
    if (!recorded) log.warn('delivery ended after its lease was taken over; outcome dropped');
    else if (end.status === 'failed') log.warn({ error: end.error }, 'delivery failed for good');
    else log.debug({ status: end.status }, 'delivery attempt ended');
  }

  private async cleanup(): Promise<void> {
    const deleted = await repo.deleteExpiredDeliveries(
      this.options.database.db,
      this.options.retentionDays,
      1_000,
    );
    if (deleted > 0) this.options.logger.debug({ deleted }, 'deleted expired deliveries');
  }
}
