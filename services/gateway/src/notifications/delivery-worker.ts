/**
 * The delivery worker: sends what the gateway queued in `notification_delivery` (alerts by e-mail, SMS,
 * webhook and web push; one-time codes and account notices), always outside any database transaction.
 *
 * Each round it leases due rows per lane up to the lane's free slots (account messages have their own
 * lane, so codes never wait behind alerts; each alert channel has its own, so a slow webhook only uses up
 * webhook slots), starts each send without waiting for it, and records the outcome: sent; retried later
 * with exponential backoff and jitter; or failed (a permanent refusal, or the last attempt), with the
 * error the user sees. Rows are leased with FOR UPDATE SKIP LOCKED, so several replicas share the work,
 * and a row whose worker died is taken over when its lease expires.
 */
import { hostname } from 'node:os';
import { type Database, newId, withTransaction } from '@cartwatch/db';
import { exponentialBackoffMs } from '@cartwatch/events';
import { PollingLoop } from '@cartwatch/service-kit';
import type { Logger } from 'pino';
import type { DB, DeliveryLane } from '../db/schema.js';
import type { Notifier } from '../notify/notifier.js';
import * as repo from './delivery.repository.js';
import { DeliveryFailure, type DeliverySend, sendDelivery } from './delivery-senders.js';
import type { VapidKeys } from './vapid-keys.js';
import type { WebhookTransport } from './webhook-delivery.js';
import type { TargetPolicy } from './webhook-target.js';

export const DELIVERY_LANES: readonly DeliveryLane[] = ['account', 'email', 'sms', 'webhook', 'push'];

export interface DeliveryWorkerOptions {
  database: Database<DB>;
  notifier: Notifier;
  /** How webhooks and push endpoints are reached (the pinned system transport; tests inject theirs). */
  transport: WebhookTransport;
  policy: TargetPolicy;
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

export class DeliveryWorker {
  readonly owner: string;
  private readonly inFlight = new Map<string, { lane: DeliveryLane; run: Promise<void> }>();
  private readonly loop: PollingLoop;
  private nextCleanupAt = 0;

  constructor(private readonly options: DeliveryWorkerOptions) {
    this.owner = options.owner ?? `${hostname()}:${process.pid}:${newId()}`;
    this.loop = new PollingLoop(() => this.round(), {
      intervalMs: options.pollIntervalMs,
      logger: options.logger,
      name: 'delivery worker',
    });
  }

  start(): void {
    this.loop.start();
  }

  /** Stops claiming and waits for the sends in flight (their outcomes are recorded). */
  async stop(): Promise<void> {
    this.loop.stop();
    await this.idle();
  }

  /** Resolves once no send of this worker is in flight. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight.values()].map((f) => f.run));
  }

  /** One round: claim what is due within the free slots and start sending it; returns the claimed ids. */
  async round(): Promise<string[]> {
    await this.cleanup();
    const slots: Partial<Record<DeliveryLane, number>> = {};
    for (const lane of DELIVERY_LANES) {
      let busy = 0;
      for (const flight of this.inFlight.values()) if (flight.lane === lane) busy++;
      slots[lane] = this.options.concurrency[lane] - busy;
    }
    const claimed = await withTransaction(this.options.database.db, (trx) =>
      repo.claimDueDeliveries(trx, {
        owner: this.owner,
        leaseMs: this.options.leaseMs,
        slots,
        now: this.options.now && new Date(this.options.now()),
      }),
    );
    // Account messages (codes) first: they are claimed in the same round but started before the rest.
    claimed.sort((a, b) => Number(b.lane === 'account') - Number(a.lane === 'account'));
    for (const row of claimed) {
      const run = this.deliver(row)
        .catch((error: unknown) =>
          this.options.logger.error({ err: error, deliveryId: row.id }, 'delivery bookkeeping failed'),
        )
        .finally(() => this.inFlight.delete(row.id));
      this.inFlight.set(row.id, { lane: row.lane, run });
    }
    return claimed.map((row) => row.id);
  }

  /** Rounds until nothing is due, waiting for each round's sends (what tests call instead of the timer). */
  async drain(): Promise<void> {
    for (;;) {
      const claimed = await this.round();
      await this.idle();
      if (claimed.length === 0) return;
    }
  }

  private async deliver(row: repo.DeliveryRow): Promise<void> {
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
    const recorded = await repo.finishDelivery(this.options.database.db, row.id, this.owner, end);
    if (!recorded) log.warn('delivery ended after its lease was taken over; outcome dropped');
    else if (end.status === 'failed') log.warn({ error: end.error }, 'delivery failed for good');
    else log.debug({ status: end.status }, 'delivery attempt ended');
  }

  private async cleanup(): Promise<void> {
    if (Date.now() < this.nextCleanupAt) return;
    this.nextCleanupAt = Date.now() + CLEANUP_EVERY_MS;
    const deleted = await repo.deleteExpiredDeliveries(
      this.options.database.db,
      this.options.retentionDays,
      1_000,
    );
    if (deleted > 0) this.options.logger.debug({ deleted }, 'deleted expired deliveries');
  }
}
