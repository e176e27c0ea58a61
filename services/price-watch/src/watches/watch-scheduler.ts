/**
 * Runs due URL watches: most overdue first, at most one check per host at a time and a politeness
 * delay (with jitter) between checks of the same host, bounded concurrency. Restart-safe: a claim is
 * a timestamp on the row (`check_started_at`); a claim older than `claimTimeoutMs` (a crashed process)
 * is taken over, and a finished check clears it and sets the next due time.
 */
import type { Database } from '@cartwatch/db';
import { PollingLoop } from '@cartwatch/service-kit';
import type { Logger } from 'pino';
import type { DB } from '../db/schema.js';
import { claimDueWatches, type WatchRow } from './watches.repository.js';
import { type CheckUrl, runUrlCheck } from './watches.service.js';

export interface WatchSchedulerOptions {
  database: Database<DB>;
  checkUrl: CheckUrl;
  logger: Logger;
  concurrency: number;
  hostDelayMs: number;
  /** Time to the next check after a scheduled one (WATCH_CHECK_INTERVAL_SECONDS); unset: the watch's own. */
  checkIntervalSeconds?: number | undefined;
  pollIntervalMs?: number;
  claimTimeoutMs?: number;
  random?: () => number;
}

export class WatchScheduler {
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly hostFreeAt = new Map<string, number>();
  private readonly loop: PollingLoop;

  constructor(private readonly options: WatchSchedulerOptions) {
    this.loop = new PollingLoop(() => this.claimAndStart(), {
      intervalMs: options.pollIntervalMs ?? 1_000,
      logger: options.logger,
      name: 'watch scheduler',
    });
  }

  start(): void {
    this.loop.start();
  }

  /** Stops claiming and waits for the checks in flight. */
  async stop(): Promise<void> {
    this.loop.stop();
    await Promise.allSettled(this.inFlight.values());
  }

  /** One round: claims what may run now and waits for those checks (what tests call). */
  async runOnce(): Promise<string[]> {
    const started = await this.claimAndStart();
    await Promise.allSettled(started.map((watch) => this.inFlight.get(watch.id)));
    return started.map((watch) => watch.id);
  }

  private busyHosts(now: number): string[] {
    const busy = new Set<string>();
    for (const [host, freeAt] of this.hostFreeAt) if (freeAt > now) busy.add(host);
    return [...busy];
  }

  private async claimAndStart(): Promise<WatchRow[]> {
    const slots = this.options.concurrency - this.inFlight.size;
    if (slots <= 0) return [];
    const busy = this.busyHosts(Date.now());
    const claimTimeoutSeconds = Math.round((this.options.claimTimeoutMs ?? 300_000) / 1000);
    const rows = await claimDueWatches(this.options.database.db, {
      slots,
      busyHosts: busy,
      claimTimeoutSeconds,
    });
    const ordered = [...rows].sort(
      (a, b) =>
        (a.next_check_at?.getTime() ?? 0) - (b.next_check_at?.getTime() ?? 0) || a.id.localeCompare(b.id),
    );
    for (const watch of ordered) {
      const host = watch.url_host ?? '';
      this.hostFreeAt.set(host, Number.POSITIVE_INFINITY); // busy while running
      const run = runUrlCheck(
        this.options.database,
        this.options.checkUrl,
        watch,
        this.options.checkIntervalSeconds,
      )
        .then(() => undefined)
        .catch((error: unknown) =>
          this.options.logger.error({ err: error, watchId: watch.id }, 'URL check failed'),
        )
        .finally(() => {
          const jitter = 1 + (this.options.random ?? Math.random)() * 0.5;
          this.hostFreeAt.set(host, Date.now() + this.options.hostDelayMs * jitter);
          this.inFlight.delete(watch.id);
        });
      this.inFlight.set(watch.id, run);
    }
    return ordered;
  }
}
