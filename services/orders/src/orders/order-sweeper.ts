/**
 * Cancels unpaid PENDING orders whose deadline passed (releasing their stock) and forgets old
 * idempotency keys. Restart-safe: it keeps no state of its own; every pass asks the database, and
 * `skip locked` lets several replicas sweep at once without touching the same order.
 */
import { withTransaction } from '@cartwatch/db';
import type { Logger } from 'pino';
import * as idempotency from './idempotency.repository.js';
import * as orders from './orders.repository.js';
import { type OrdersDeps, transitionInTransaction } from './orders.service.js';

export const SWEEPER_ACTOR = 'system:order-sweeper';

/** One pass: at most `maxBatches` batches of `batchSize` orders. Returns how many were cancelled. */
export async function cancelExpiredOrders(
  deps: Pick<OrdersDeps, 'database'>,
  options: { now?: Date; batchSize?: number; maxBatches?: number } = {},
): Promise<number> {
  const now = options.now ?? new Date();
  const batchSize = options.batchSize ?? 100;
  let cancelled = 0;
  for (let batch = 0; batch < (options.maxBatches ?? 10); batch++) {
    const count = await withTransaction(deps.database.db, async (trx) => {
      const expired = await orders.lockExpiredPendingOrders(trx, now, batchSize);
      for (const order of expired) {
        await transitionInTransaction(trx, {
          orderId: order.id,
          to: 'CANCELLED',
          actor: SWEEPER_ACTOR,
          reason: 'not paid in time',
        });
      }
      return expired.length;
    });
    cancelled += count;
    if (count < batchSize) break;
  }
  return cancelled;
}

export interface OrderSweeperOptions {
  deps: Pick<OrdersDeps, 'database'>;
  logger: Logger;
  intervalMs: number;
  idempotencyKeyTtlHours: number;
}

/** Runs `cancelExpiredOrders` every `intervalMs` until stopped; `stop()` waits for the pass in flight. */
export class OrderSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;

  constructor(private readonly options: OrderSweeperOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One pass now (also what the timer runs). */
  async sweep(): Promise<void> {
    const { deps, logger } = this.options;
    try {
      const cancelled = await cancelExpiredOrders(deps);
      const forgotten = await idempotency.deleteKeysOlderThan(
        deps.database.db,
        this.options.idempotencyKeyTtlHours,
      );
      if (cancelled > 0 || forgotten > 0) logger.info({ cancelled, forgotten }, 'order sweep');
    } catch (error) {
      logger.error({ err: error }, 'order sweep failed; retrying next interval');
    }
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.running = this.sweep().finally(() => {
        this.running = undefined;
        if (!this.stopped) this.schedule(this.options.intervalMs);
      });
    }, delayMs);
    this.timer.unref();
  }
}
