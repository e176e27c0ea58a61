/**
 * Leased background jobs (docs/architecture.md#background-work): rows in a table are the jobs; every
 * replica runs a runner that, each round, leases due rows for its free slots (the source's `claim`, with
 * `FOR UPDATE SKIP LOCKED` and a lease, so replicas share the work and a dead worker's job is taken over
 * when its lease runs out), starts each without waiting for it, renews the lease of a long one while it
 * runs, and lets the source record the outcome (only the lease holder may). Slots are counted per lane,
 * so one slow kind of job (a webhook that never answers) uses up only its own lane. `stop()` stops
 * claiming and waits for the jobs in flight, so their outcomes are recorded before the process ends.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { PollingLoop } from './polling-loop.js';

export interface LeasedJobSource<Job, Lane extends string> {
  /** Leases due jobs for `owner`: at most `free[lane]` of each lane (a lane with no free slot is 0). */
  claim(owner: string, free: Readonly<Record<Lane, number>>): Promise<Job[]>;
  /** Runs one job to its end and records the outcome; a throw is logged, and the lease runs out. */
  run(job: Job, owner: string): Promise<void>;
  idOf(job: Job): string;
  /** The lane of a job; a runner with one lane needs none. */
  laneOf?(job: Job): Lane;
  /** Jobs claimed in one round start in this order (lower first); default: as claimed. */
  startOrder?(job: Job): number;
  /** Extends the lease of a running job every `everyMs`; resolves false when the lease was lost. */
  renew?: { everyMs: number; run(job: Job, owner: string): Promise<boolean> };
  /** Retention and clean-up, at the start of a round at most once per `everyMs`. */
  housekeeping?: { everyMs: number; run(): Promise<void> };
}

export interface LeasedJobRunnerOptions<Lane extends string> {
  /** Names the runner in logs (`export worker`, `photo OCR worker`). */
  name: string;
  logger: Logger;
  pollIntervalMs: number;
  /** Jobs run at once by this process, per lane. */
  concurrency: Readonly<Record<Lane, number>>;
  /** Who holds the leases; default host, pid and a random id (unique per runner). */
  owner?: string | undefined;
}

/** A lease owner unique to this runner in this process on this host. */
export function leaseOwner(): string {
  return `${hostname()}:${process.pid}:${randomUUID()}`;
}

/**
 * A worker is a runner: `class ExportWorker extends LeasedJobRunner<ExportRow>` passes its source to
 * `super` (its `run` may call the subclass's methods) and inherits start, stop, idle, round and drain.
 * The runner's own state is in #private fields, so a subclass names its fields freely.
 */
export class LeasedJobRunner<Job, Lane extends string = 'jobs'> {
  readonly owner: string;
  readonly #inFlight = new Map<string, { lane: Lane; run: Promise<void> }>();
  readonly #loop: PollingLoop;
  readonly #source: LeasedJobSource<Job, Lane>;
  readonly #options: LeasedJobRunnerOptions<Lane>;
  #nextHousekeepingAt = 0;

  constructor(source: LeasedJobSource<Job, Lane>, options: LeasedJobRunnerOptions<Lane>) {
    this.#source = source;
    this.#options = options;
    this.owner = options.owner ?? leaseOwner();
    this.#loop = new PollingLoop(() => this.round(), {
      intervalMs: options.pollIntervalMs,
      logger: options.logger,
      name: options.name,
    });
  }

  start(): void {
    this.#loop.start();
  }

  /** Stops claiming and waits for the jobs in flight (their outcomes are recorded). */
  async stop(): Promise<void> {
    this.#loop.stop();
    await this.idle();
  }

  /** Resolves once no job of this runner is in flight. */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0)
      await Promise.allSettled([...this.#inFlight.values()].map((job) => job.run));
  }

  /** One round: housekeeping when due, then lease what is due within the free slots and start it. */
  async round(): Promise<string[]> {
    const { housekeeping } = this.#source;
    if (housekeeping && Date.now() >= this.#nextHousekeepingAt) {
      this.#nextHousekeepingAt = Date.now() + housekeeping.everyMs;
      await housekeeping.run();
    }
    const free = {} as Record<Lane, number>;
    let anyFree = false;
    for (const lane of Object.keys(this.#options.concurrency) as Lane[]) {
      let busy = 0;
      for (const job of this.#inFlight.values()) if (job.lane === lane) busy++;
      free[lane] = Math.max(0, this.#options.concurrency[lane] - busy);
      anyFree ||= free[lane] > 0;
    }
    if (!anyFree) return [];
    const claimed = await this.#source.claim(this.owner, free);
    const { startOrder } = this.#source;
    if (startOrder) claimed.sort((a, b) => startOrder(a) - startOrder(b));
    for (const job of claimed) this.#begin(job);
    return claimed.map((job) => this.#source.idOf(job));
  }

  /** Rounds until nothing is due, waiting for each round's jobs (what tests call instead of the timer). */
  async drain(): Promise<void> {
    for (;;) {
      const claimed = await this.round();
      await this.idle();
      if (claimed.length === 0) return;
    }
  }

  #begin(job: Job): void {
    const id = this.#source.idOf(job);
    const lane = this.#source.laneOf?.(job) ?? (Object.keys(this.#options.concurrency)[0] as Lane);
    const { renew } = this.#source;
    const heartbeat =
      renew &&
      setInterval(() => {
        renew.run(job, this.owner).then(
          (held) => held || this.#options.logger.warn({ jobId: id }, `${this.#options.name} lost a lease`),
          (error: unknown) =>
            this.#options.logger.warn(
              { err: error, jobId: id },
              `${this.#options.name} lease renewal failed`,
            ),
        );
      }, renew.everyMs);
    const run = this.#source
      .run(job, this.owner)
      .catch((error: unknown) =>
        this.#options.logger.error({ err: error, jobId: id }, `${this.#options.name} bookkeeping failed`),
      )
      .finally(() => {
        if (heartbeat) clearInterval(heartbeat);
        this.#inFlight.delete(id);
      });
    this.#inFlight.set(id, { lane, run });
  }
}
